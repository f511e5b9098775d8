using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>A JSON answer from Resource Manager: status, headers and the parsed body (null for 204 or empty).</summary>
    public sealed class ArmResponse : IDisposable
    {
        internal ArmResponse(int status, ResponseHeaders headers, JsonDocument? body)
        {
            Status = status;
            Headers = headers;
            Body = body;
        }

        public int Status { get; }
        public ResponseHeaders Headers { get; }
        public JsonDocument? Body { get; }
        public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
        public void Dispose() => Body?.Dispose();
    }

    /// <summary>One page of a list: its items (already mapped, copied out of the page's buffer) and the next link.</summary>
    public sealed class ArmPage<T>
    {
        public ArmPage(List<T> items, string? nextLink) { Items = items; NextLink = nextLink; }
        public List<T> Items { get; }
        public string? NextLink { get; }
    }

    /// <summary>
    /// The one way the engine talks to Resource Manager: Azure.Core's pipeline with the caller's TokenCredential, our retry
    /// policy, and a guard that keeps the token on the configured host. Knows paging and long-running operations.
    /// </summary>
    public sealed class ArmClient
    {
        private readonly HttpPipeline _pipeline;
        public ArmClientOptions Options { get; }
        public Uri BaseUri => Options.ResourceManagerUrl;

        public ArmClient(TokenCredential credential, ArmClientOptions options, HttpPipelineTransport? transport = null)
        {
            Options = options;
            var clientOptions = new PipelineOptions();
            if (transport is not null) clientOptions.Transport = transport;
            clientOptions.Diagnostics.IsLoggingEnabled = false;      // our own redacted log replaces it
            clientOptions.Diagnostics.IsDistributedTracingEnabled = false;
            clientOptions.Diagnostics.IsTelemetryEnabled = false;    // we send our own User-Agent
            clientOptions.Retry.NetworkTimeout = options.NetworkTimeout;
            clientOptions.RetryPolicy = new ArmRetryPolicy(options.Retry);
            _pipeline = HttpPipelineBuilder.Build(
                clientOptions,
                new HttpPipelinePolicy[] { new HostGuardPolicy(options.ResourceManagerUrl) },
                new HttpPipelinePolicy[]
                {
                    new IdentityAndLogPolicy(options.UserAgent),
                    new BearerTokenAuthenticationPolicy(credential, options.Scope),
                    new PooledBodyPolicy(),
                },
                new ResponseClassifier());
        }

        private sealed class PipelineOptions : ClientOptions { }

        public Uri MakeUri(string pathAndQuery)
        {
            if (Uri.TryCreate(pathAndQuery, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal))
                return absolute;
            var root = BaseUri.AbsoluteUri.TrimEnd('/');
            return new Uri(root + (pathAndQuery.StartsWith("/", StringComparison.Ordinal) ? "" : "/") + pathAndQuery);
        }

        /// <summary>Sends one request; non-2xx answers become <see cref="ArmException"/>.</summary>
        public async Task<ArmResponse> SendAsync(RequestMethod method, Uri uri, object? jsonBody, CallContext context, CancellationToken cancellationToken)
        {
            using var message = await SendCoreAsync(method, uri, jsonBody, pooledBody: false, context, cancellationToken).ConfigureAwait(false);
            var response = message.Response;
            var content = response.Content;
            JsonDocument? body = null;
            if (response.Status != 204 && content is not null && content.ToMemory().Length > 0)
                body = ParseJson(response, WithoutBom(new ReadOnlySequence<byte>(content.ToMemory())));
            return new ArmResponse(response.Status, response.Headers, body);
        }

        public Task<ArmResponse> GetAsync(string pathAndQuery, CallContext context, CancellationToken cancellationToken) =>
            SendAsync(RequestMethod.Get, MakeUri(pathAndQuery), null, context, cancellationToken);

        /// <summary>
        /// GETs one page and hands its body to <paramref name="read"/> while the body is still in its pooled buffer (the
        /// reader must copy what it keeps). An empty body or 204 reads as an empty sequence. JSON errors become InvalidResponse.
        /// </summary>
        public async Task<T> GetPageAsync<T>(Uri uri, Func<ReadOnlySequence<byte>, int, T> read, CallContext context, CancellationToken cancellationToken)
        {
            using var message = await SendCoreAsync(RequestMethod.Get, uri, null, pooledBody: true, context, cancellationToken).ConfigureAwait(false);
            var response = message.Response;
            var bytes = response.Status == 204 ? ReadOnlySequence<byte>.Empty : WithoutBom(PooledBodyPolicy.BodyOf(response));
            try
            {
                return read(bytes, response.Status);
            }
            catch (JsonException ex)
            {
                throw InvalidJson(response, bytes.Length, ex);
            }
        }

        /// <summary>Sends and checks the status; the caller disposes the message (and with it a pooled body).</summary>
        private async Task<HttpMessage> SendCoreAsync(RequestMethod method, Uri uri, object? jsonBody, bool pooledBody, CallContext context, CancellationToken cancellationToken)
        {
            // HostGuardPolicy, first in the pipeline, refuses any other host or plain HTTP before the token is added.
            var message = _pipeline.CreateMessage();
            try
            {
                message.SetProperty(nameof(CallContext), context);
                if (pooledBody) PooledBodyPolicy.Mark(message);
                message.Request.Method = method;
                message.Request.Uri.Reset(uri);
                message.Request.Headers.SetValue("Accept", "application/json");
                if (jsonBody is not null)
                {
                    var bytes = jsonBody as byte[] ?? JsonSerializer.SerializeToUtf8Bytes(jsonBody, jsonBody.GetType());
                    message.Request.Content = RequestContent.Create(bytes);
                    message.Request.Headers.SetValue("Content-Type", "application/json");
                }
                else if (method == RequestMethod.Post)
                {
                    message.Request.Headers.SetValue("Content-Length", "0");
                }

                try
                {
                    await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException ex) when (ex.Status == 0)
                {
                    throw new ArmException(0, "TransportFailure", $"Could not reach {BaseUri.Authority}: {Redactor.Redact(ex.Message)}");
                }
                catch (AuthenticationFailedException ex)
                {
                    // DefaultAzureCredential lists every credential it tried, a line each: the first line says what
                    // happened; the list goes to the Debug stream for whoever is diagnosing.
                    var text = Redactor.Redact(SignInFailure(ex));
                    var firstLine = text.Split('\n')[0].TrimEnd('\r');
                    if (firstLine.Length == text.Length)
                        throw new ArmException(401, "CredentialUnavailable", $"Could not get an access token: {text}");
                    context.Log($"Could not get an access token: {text}");
                    throw new ArmException(401, "CredentialUnavailable", $"Could not get an access token: {firstLine} (-Debug lists each credential tried)");
                }

                if (message.Response.Status >= 300) // a redirect or 304 is not an answer: never read it as an empty success
                    throw ErrorFrom(message.Response);
                return message;
            }
            catch
            {
                message.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Follows nextLink page after page, yielding mapped items as each page arrives; only the current page is held.
        /// </summary>
        public IAsyncEnumerable<T> ListAsync<T>(string pathAndQuery, Func<JsonElement, T?> map, CallContext context,
            CancellationToken cancellationToken = default)
            where T : class =>
            ListAsync(pathAndQuery, (bytes, status) => ReadArmPage(bytes, status, map), context, cancellationToken);

        /// <summary>
        /// Follows nextLink with a page reader of the caller's (e.g. one that turns bytes straight into records);
        /// <paramref name="readPage"/> gets the body bytes (in a pooled buffer: copy what you keep) and the status, and returns
        /// null for an empty answer (204).
        /// </summary>
        public async IAsyncEnumerable<T> ListAsync<T>(string pathAndQuery, Func<ReadOnlySequence<byte>, int, ArmPage<T>?> readPage, CallContext context,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Uri? next = MakeUri(pathAndQuery);
            var pageNumber = 0;
            while (next is not null)
            {
                var current = next;
                var page = await GetPageAsync(next, readPage, context, cancellationToken).ConfigureAwait(false);
                pageNumber++;
                next = null;
                if (page is null) yield break; // 204: nothing
                context.Verbose?.Invoke($"Page {pageNumber}: {page.Items.Count} item(s).");
                foreach (var item in page.Items) yield return item;
                if (!string.IsNullOrEmpty(page.NextLink))
                    next = MakeUri(page.NextLink!);
                if (next is not null && next == current)
                    throw new ArmException(200, "InvalidResponse", $"Page {pageNumber} links to itself as the next page; stopping instead of looping.");
            }
        }

        /// <summary>The generic page reader: JSON document, <c>value[]</c> mapped item by item, <c>nextLink</c>.</summary>
        private static ArmPage<T>? ReadArmPage<T>(ReadOnlySequence<byte> bytes, int status, Func<JsonElement, T?> map) where T : class
        {
            if (bytes.IsEmpty) return null;
            using var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 256 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("value", out var items))
                throw new ArmException(status, "InvalidResponse", "The service answered a list request without a 'value' array.");
            var list = new List<T>();
            if (items.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in items.EnumerateArray())
                    if (map(item) is T mapped) list.Add(mapped);
            }
            string? nextLink = root.TryGetProperty("nextLink", out var link) && link.ValueKind == JsonValueKind.String ? link.GetString() : null;
            return new ArmPage<T>(list, nextLink);
        }

        /// <summary>
        /// Starts a long-running operation and polls its Location (or Azure-AsyncOperation) until it is done, honouring
        /// Retry-After, within <paramref name="timeout"/>. Returns the final JSON (null when the service says 204).
        /// </summary>
        public async Task<JsonDocument?> RunOperationAsync(RequestMethod method, string pathAndQuery, object? jsonBody, TimeSpan timeout,
            CallContext context, CancellationToken cancellationToken, Action<string>? onPoll = null)
        {
            var elapsed = System.Diagnostics.Stopwatch.StartNew(); // elapsed time, not the wall clock (DEVELOPING.md, Time)
            var response = await SendAsync(method, MakeUri(pathAndQuery), jsonBody, context, cancellationToken).ConfigureAwait(false);
            var polls = 0;
            Uri? pollUri = null;            // the URL being polled: a status monitor answers without repeating its own address
            string? resultLocation = null;  // with Azure-AsyncOperation, Location is where the result is read (final-state-via: location)
            while (true)
            {
                var asyncOperation = response.Header("Azure-AsyncOperation");
                if (asyncOperation is not null) resultLocation ??= response.Header("Location");
                var location = asyncOperation ?? response.Header("Location");
                if (response.Status != 202 && !(response.Status == 201 && location is not null))
                {
                    if (response.Body is not null && IsFailed(response.Body.RootElement, out var code, out var error))
                    {
                        response.Dispose();
                        throw new LongRunningOperationException(code, $"The operation failed: {error}", timedOut: false, requestId: response.Header("x-ms-request-id"));
                    }
                    if (response.Body is not null && IsRunning(response.Body.RootElement) && (location ??= pollUri?.AbsoluteUri) is not null)
                    {
                        // Some poll targets answer 200 with status InProgress; keep polling.
                    }
                    else if (resultLocation is not null && pollUri is not null)
                    {
                        // The status monitor says done: read the result where the first answer's Location said.
                        var target = MakeUri(resultLocation);
                        resultLocation = null;
                        response.Dispose();
                        response = await SendAsync(RequestMethod.Get, target, null, context, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    else
                    {
                        return response.Body;
                    }
                }
                location ??= pollUri?.AbsoluteUri;
                if (location is null)
                {
                    response.Dispose();
                    throw new ArmException(response.Status, "InvalidResponse", "The service accepted the operation but gave no Location to poll.");
                }
                pollUri = MakeUri(location);
                var wait = RetryAfter.FromHeaders(response.Headers, BillingClock.Now()) ?? Options.DefaultPollInterval;
                response.Dispose();
                var left = timeout - elapsed.Elapsed;
                if (left <= TimeSpan.Zero || wait > left)
                    throw new LongRunningOperationException("OperationTimedOut",
                        $"The operation did not finish within {timeout.TotalSeconds:0} s ({polls} poll(s)); the service may still complete it later.", timedOut: true);
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                polls++;
                onPoll?.Invoke($"Polling the operation ({polls})");
                response = await SendAsync(RequestMethod.Get, pollUri, null, context, cancellationToken).ConfigureAwait(false);
            }
        }

        private static bool IsRunning(JsonElement root) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String
            && (s.ValueEquals("InProgress") || s.ValueEquals("Running") || s.ValueEquals("NotStarted") || s.ValueEquals("Queued"));

        private static bool IsFailed(JsonElement root, out string code, out string message)
        {
            code = "OperationFailed";
            message = "no details were given";
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var s) || s.ValueKind != JsonValueKind.String)
                return false;
            if (!(s.ValueEquals("Failed") || s.ValueEquals("Canceled") || s.ValueEquals("Cancelled")))
                return false;
            if (root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object)
            {
                if (e.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String) code = c.GetString()!;
                if (e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) message = Redactor.Redact(m.GetString());
            }
            return true;
        }

        private static JsonDocument ParseJson(Response response, ReadOnlySequence<byte> bytes)
        {
            try
            {
                return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 256 });
            }
            catch (JsonException ex)
            {
                throw InvalidJson(response, bytes.Length, ex);
            }
        }

        private static ArmException InvalidJson(Response response, long length, JsonException ex)
        {
            response.Headers.TryGetValue("x-ms-request-id", out var rid);
            return new ArmException(response.Status, "InvalidResponse",
                $"The service answered with a body that is not valid JSON ({length} bytes; {ex.Message}).", requestId: rid);
        }

        /// <summary>Turns an error answer (ARM JSON, or Storage XML from the blob host) into an exception.</summary>
        internal static ArmException ErrorFrom(Response response)
        {
            response.Headers.TryGetValue("x-ms-request-id", out var requestId);
            response.Headers.TryGetValue("x-ms-correlation-request-id", out var correlationId);
            string? code = null, message = null, target = null;
            var bytes = response.Content?.ToMemory() ?? ReadOnlyMemory<byte>.Empty;
            if (bytes.Length > 0)
            {
                try
                {
                    using var doc = JsonDocument.Parse(WithoutBom(new ReadOnlySequence<byte>(bytes)));
                    var root = doc.RootElement;
                    var error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) ? e : root;
                    if (error.ValueKind == JsonValueKind.Object)
                    {
                        code = Text(error, "code");
                        message = Text(error, "message");
                        target = Text(error, "target");
                    }
                }
                catch (JsonException)
                {
                    var text = Encoding.UTF8.GetString(bytes.ToArray(), 0, Math.Min(bytes.Length, 4096));
                    code = Between(text, "<Code>", "</Code>");
                    message = Between(text, "<Message>", "</Message>");
                }
            }
            message ??= string.IsNullOrEmpty(response.ReasonPhrase) ? $"HTTP {response.Status}" : response.ReasonPhrase;
            return new ArmException(response.Status, code, Redactor.Redact(message), target, requestId, correlationId)
            {
                RetryAfter = RetryAfter.FromHeaders(response.Headers, BillingClock.Now()),
            };
        }

        /// <summary>JSON may legally start with a UTF-8 byte order mark, which JsonDocument.Parse(bytes) rejects.</summary>
        private static ReadOnlySequence<byte> WithoutBom(ReadOnlySequence<byte> bytes)
        {
            if (bytes.Length < 3) return bytes;
            Span<byte> head = stackalloc byte[3];
            bytes.Slice(0, 3).CopyTo(head);
            return bytes.Slice(Files.ByteOrderMark.Utf8Length(head));
        }

        private static string? Text(JsonElement e, string name)
        {
            foreach (var p in e.EnumerateObject())
                if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                    return p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.GetRawText();
            return null;
        }

        private static string? Between(string text, string start, string end)
        {
            var i = text.IndexOf(start, StringComparison.Ordinal);
            if (i < 0) return null;
            i += start.Length;
            var j = text.IndexOf(end, i, StringComparison.Ordinal);
            return j < 0 ? null : text.Substring(i, j - i).Trim();
        }

        /// <summary>
        /// What a failed sign-in says. A credential that fails at Entra ID (a wrong secret, an expired certificate)
        /// reports "ClientSecretCredential authentication failed: " with the reason only in MSAL's inner exception,
        /// whose message ends with the server's own ("... Original exception: AADSTS7000215: Invalid client secret
        /// provided. ... Trace ID: ..."): that reason is added, up to the trace ids.
        /// </summary>
        internal static string SignInFailure(AuthenticationFailedException ex)
        {
            var text = ex.Message.TrimEnd();
            var inner = ex.InnerException?.Message;
            if (!text.EndsWith(":", StringComparison.Ordinal) || string.IsNullOrWhiteSpace(inner)) return ex.Message;
            var reason = inner!.Trim();
            var aadsts = reason.IndexOf("AADSTS", StringComparison.Ordinal);
            if (aadsts >= 0) reason = reason.Substring(aadsts);
            var trace = reason.IndexOf(" Trace ID:", StringComparison.Ordinal);
            if (trace > 0) reason = reason.Substring(0, trace);
            return text + " " + reason.Trim();
        }
    }
}
