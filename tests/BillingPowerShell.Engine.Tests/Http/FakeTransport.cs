using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Tests.Http
{
    /// <summary>What the fake transport saw: one request as it left the pipeline.</summary>
    internal sealed class RecordedRequest
    {
        public RecordedRequest(string method, Uri uri, IReadOnlyDictionary<string, string> headers, byte[]? body)
        {
            Method = method; Uri = uri; Headers = headers; Body = body;
        }

        public string Method { get; }
        public Uri Uri { get; }
        public IReadOnlyDictionary<string, string> Headers { get; }
        public byte[]? Body { get; }
        public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
        public string BodyText => Body is null ? "" : Encoding.UTF8.GetString(Body);
        public override string ToString() => $"{Method} {Uri}";
    }

    /// <summary>One scripted answer: a response, or an exception thrown by the "network".</summary>
    internal sealed class Reply
    {
        public int Status { get; private set; }
        public List<(string Name, string Value)> Headers { get; } = new List<(string, string)>();
        public Func<Stream>? Body { get; private set; }
        public Exception? Failure { get; private set; }
        public string? Reason { get; private set; }

        public static Reply With(int status, string? body = null, params (string Name, string Value)[] headers)
        {
            var r = new Reply { Status = status };
            if (body is not null)
            {
                var bytes = Encoding.UTF8.GetBytes(body);
                r.Body = () => new MemoryStream(bytes, writable: false);
                r.Headers.Add(("Content-Type", body.TrimStart().StartsWith("<") ? "application/xml" : "application/json"));
            }
            r.Headers.AddRange(headers);
            return r;
        }

        public static Reply Bytes(int status, byte[] body, params (string Name, string Value)[] headers)
        {
            var r = new Reply { Status = status, Body = () => new MemoryStream(body, writable: false) };
            r.Headers.AddRange(headers);
            return r;
        }

        public static Reply Stream(int status, Func<Stream> body, params (string Name, string Value)[] headers)
        {
            var r = new Reply { Status = status, Body = body };
            r.Headers.AddRange(headers);
            return r;
        }

        public static Reply Throw(Exception ex) => new Reply { Failure = ex };

        public Reply WithReason(string reason) { Reason = reason; return this; }
    }

    /// <summary>
    /// A scripted Azure.Core transport: records every request (method, URI, headers including Authorization, body) and
    /// answers from a queue of replies, or from a handler when the queue is empty.
    /// </summary>
    internal sealed class FakeTransport : HttpPipelineTransport
    {
        private readonly ConcurrentQueue<Reply> _script = new ConcurrentQueue<Reply>();
        private readonly List<RecordedRequest> _requests = new List<RecordedRequest>();

        public FakeTransport(params Reply[] replies) { foreach (var r in replies) _script.Enqueue(r); }

        /// <summary>Answers when the queue is empty.</summary>
        public Func<RecordedRequest, Reply>? Handler { get; set; }
        /// <summary>Headers every request starts with (to prove a policy removes them).</summary>
        public List<(string Name, string Value)> PresetHeaders { get; } = new List<(string, string)>();
        /// <summary>Runs when a request reaches the transport (e.g. to cancel a token), before the reply is chosen.</summary>
        public Action<RecordedRequest>? OnRequest { get; set; }

        public FakeTransport Then(Reply r) { _script.Enqueue(r); return this; }

        public IReadOnlyList<RecordedRequest> Requests { get { lock (_requests) return _requests.ToList(); } }
        public int Count { get { lock (_requests) return _requests.Count; } }

        public override Request CreateRequest()
        {
            var request = new FakeRequest();
            foreach (var (n, v) in PresetHeaders) request.Headers.Add(n, v);
            return request;
        }

        public override void Process(HttpMessage message) => ProcessAsync(message).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message)
        {
            await Task.Yield();
            message.CancellationToken.ThrowIfCancellationRequested();
            byte[]? body = null;
            if (message.Request.Content is RequestContent content)
            {
                using var ms = new MemoryStream();
                await content.WriteToAsync(ms, message.CancellationToken).ConfigureAwait(false);
                body = ms.ToArray();
            }
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in message.Request.Headers) headers[h.Name] = h.Value;
            var recorded = new RecordedRequest(message.Request.Method.Method, message.Request.Uri.ToUri(), headers, body);
            lock (_requests) _requests.Add(recorded);
            OnRequest?.Invoke(recorded);
            message.CancellationToken.ThrowIfCancellationRequested();

            Reply reply;
            if (!_script.TryDequeue(out reply!))
                reply = Handler?.Invoke(recorded) ?? throw new InvalidOperationException($"Unscripted request: {recorded}");
            if (reply.Failure is not null) throw reply.Failure;
            var response = new FakeResponse(reply.Status, reply.Reason ?? "", reply.Headers, reply.Body?.Invoke());
            message.Response = response;
        }
    }

    internal sealed class FakeRequest : Request
    {
        private readonly List<HttpHeader> _headers = new List<HttpHeader>();
        public override string ClientRequestId { get; set; } = Guid.NewGuid().ToString();
        public override void Dispose() { }
        protected override void AddHeader(string name, string value) => _headers.Add(new HttpHeader(name, value));
        protected override bool ContainsHeader(string name) => _headers.Any(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase));
        protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.ToList();
        protected override bool RemoveHeader(string name) => _headers.RemoveAll(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)) > 0;

        protected override bool TryGetHeader(string name, out string value)
        {
            var values = _headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
            value = values.Count == 0 ? null! : string.Join(",", values);
            return values.Count > 0;
        }

        protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values)
        {
            var list = _headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
            values = list;
            return list.Count > 0;
        }
    }

    internal sealed class FakeResponse : Response
    {
        private readonly List<(string Name, string Value)> _headers;
        private readonly int _status;
        private readonly string _reason;

        public FakeResponse(int status, string reason, IEnumerable<(string, string)> headers, Stream? body)
        {
            _status = status; _reason = reason; _headers = headers.ToList(); ContentStream = body;
        }

        public static FakeResponse WithHeaders(params (string, string)[] headers) => new FakeResponse(200, "", headers, null);

        public override int Status => _status;
        public override string ReasonPhrase => _reason;
        public override Stream? ContentStream { get; set; }
        public override string ClientRequestId { get; set; } = "";
        public override void Dispose() => ContentStream?.Dispose();
        protected override bool ContainsHeader(string name) => _headers.Any(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase));
        protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Name, h.Value)).ToList();

        protected override bool TryGetHeader(string name, out string value)
        {
            var values = _headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
            value = values.Count == 0 ? null! : string.Join(",", values);
            return values.Count > 0;
        }

        protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values)
        {
            var list = _headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
            values = list;
            return list.Count > 0;
        }
    }

    /// <summary>A body that delivers the first <c>failAfter</c> bytes, then throws (a connection reset mid-body).</summary>
    internal sealed class FlakyStream : Stream
    {
        private readonly byte[] _data;
        private readonly int _failAfter;
        private readonly Func<Exception> _failure;
        private int _position;

        public FlakyStream(byte[] data, int failAfter, Func<Exception>? failure = null)
        {
            _data = data; _failAfter = failAfter; _failure = failure ?? (() => new IOException("Connection reset by peer"));
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= _failAfter) throw _failure();
            var n = Math.Min(count, Math.Min(_failAfter, _data.Length) - _position);
            if (n <= 0) return 0;
            Array.Copy(_data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer, offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var tmp = new byte[buffer.Length];
            var n = Read(tmp, 0, tmp.Length);
            tmp.AsSpan(0, n).CopyTo(buffer.Span);
            return new ValueTask<int>(n);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A credential that hands out one fixed, JWT-shaped token and counts how often it was asked.</summary>
    internal sealed class FakeCredential : TokenCredential
    {
        public const string Token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0LXVzZXItc2VjcmV0In0.U0VDUkVUU0lHTkFUVVJFdGhhdGxlYWtz";
        private int _calls;
        public int Calls => _calls;

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return new AccessToken(Token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new ValueTask<AccessToken>(GetToken(requestContext, cancellationToken));
    }

    internal static class TestArm
    {
        public static readonly Uri Base = new Uri("https://management.example.test");
        public const string BlobHost = "https://blobhost.example.test";
        public const string Sas = "sv=2024-11-04&sr=b&sp=r&st=2026-11-29T10%3A00%3A00Z&se=2026-11-29T11%3A00%3A00Z&skoid=1111aaaa&sig=TOPSECRETsignature%2Babc%3D";

        public static ArmClientOptions Options(Action<ArmClientOptions>? tune = null)
        {
            var o = new ArmClientOptions(Base, Base.AbsoluteUri + ".default");
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
            o.Retry.MaxDelay = TimeSpan.FromMilliseconds(5);
            o.Retry.MaxRetries = 3;
            o.DefaultPollInterval = TimeSpan.FromMilliseconds(5);
            o.NetworkTimeout = TimeSpan.FromSeconds(10);
            tune?.Invoke(o);
            return o;
        }

        public static ArmClient Client(FakeTransport transport, Action<ArmClientOptions>? tune = null, FakeCredential? credential = null) =>
            new ArmClient(credential ?? new FakeCredential(), Options(tune), transport);

        public static RetrySettings FastRetry(int maxRetries = 3) => new RetrySettings
        {
            BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), MaxRetries = maxRetries,
        };

        public static Uri Url(string pathAndQuery) => new Uri(Base, pathAndQuery);

        public static string ArmError(string code, string message, string? target = null) =>
            "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"" + (target is null ? "" : ",\"target\":\"" + target + "\"") + "}}";
    }
}
