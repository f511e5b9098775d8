using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>A blob download URL the service handed out has expired (or was refused); ask the service for a new one.</summary>
    public sealed class BlobAccessException : ArmException
    {
        public BlobAccessException(int status, string? code, string message) : base(status, code, message) { }
    }

    /// <summary>
    /// Downloads SAS blob URLs (invoice PDFs, cost report CSVs). Its pipeline has no credential at all, so the bearer
    /// token can never reach the blob host; reads stream and resume with Range after a dropped connection.
    /// </summary>
    public sealed class BlobClient
    {
        private readonly HttpPipeline _pipeline;
        private readonly int _maxResumes;

        public BlobClient(RetrySettings retry, HttpPipelineTransport? transport = null, int maxResumes = 8)
        {
            var options = new BlobOptions();
            if (transport is not null) options.Transport = transport;
            options.Diagnostics.IsLoggingEnabled = false;
            options.Diagnostics.IsDistributedTracingEnabled = false;
            options.Diagnostics.IsTelemetryEnabled = false;
            options.RetryPolicy = new ArmRetryPolicy(retry);
            _pipeline = HttpPipelineBuilder.Build(options, Array.Empty<HttpPipelinePolicy>(), new HttpPipelinePolicy[] { new NoAuthorizationPolicy(), new PooledBodyPolicy() }, new ResponseClassifier());
            _maxResumes = maxResumes;
        }

        private sealed class BlobOptions : ClientOptions { }

        /// <summary>Opens the blob for reading; the returned stream resumes transparently after a connection reset.</summary>
        public async Task<Stream> OpenReadAsync(Uri sasUrl, CallContext context, CancellationToken cancellationToken)
        {
            if (sasUrl.Scheme != Uri.UriSchemeHttps)
                throw new UnsafeRequestException($"Refused to download '{Redactor.WithoutQuery(sasUrl)}' over a connection that is not HTTPS.");
            var first = await SendAsync(sasUrl, 0, null, context, cancellationToken).ConfigureAwait(false);
            first.Headers.TryGetValue("ETag", out var etag);
            long? length = first.Headers.ContentLengthLong;
            return new ResumableStream(this, sasUrl, first, etag, length, context, cancellationToken);
        }

        /// <summary>Streams the blob into <paramref name="destination"/>; returns the number of bytes.</summary>
        public async Task<long> CopyToAsync(Uri sasUrl, Stream destination, CallContext context, CancellationToken cancellationToken, Action<long>? progress = null)
        {
            using var source = await OpenReadAsync(sasUrl, context, cancellationToken).ConfigureAwait(false);
            var buffer = new byte[1 << 16];
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await destination.WriteAsync(buffer, 0, read, cancellationToken).ConfigureAwait(false);
                total += read;
                progress?.Invoke(read);
            }
            return total;
        }

        private async Task<Response> SendAsync(Uri uri, long offset, string? etag, CallContext context, CancellationToken cancellationToken)
        {
            var message = _pipeline.CreateMessage();
            message.SetProperty(nameof(CallContext), context);
            message.BufferResponse = false; // stream: a CSV blob can be gigabytes
            message.Request.Method = RequestMethod.Get;
            message.Request.Uri.Reset(uri);
            if (offset > 0)
            {
                message.Request.Headers.SetValue("Range", $"bytes={offset}-");
                if (etag is not null) message.Request.Headers.SetValue("If-Match", etag);
            }
            context.Debug?.Invoke($"GET {Redactor.WithoutQuery(uri)}{(offset > 0 ? $" from byte {offset}" : "")}");
            try
            {
                await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 0)
            {
                throw new ArmException(0, "TransportFailure", $"Could not reach the download host {uri.Authority}: {Redactor.Redact(ex.Message)}");
            }
            var response = message.Response;
            if (response.Status >= 300) // a redirect's body is not the blob
            {
                // The error body was read by PooledBodyPolicy; report it without the SAS query.
                var error = ArmClient.ErrorFrom(response);
                response.Dispose();
                var text = $"The download host refused {Redactor.WithoutQuery(uri)}: {error.Message}";
                if (response.Status == 403 || response.Status == 404 || response.Status == 409 || response.Status == 412)
                    throw new BlobAccessException(response.Status, error.Code, text);
                throw new ArmException(response.Status, error.Code, text, requestId: error.RequestId);
            }
            if (offset > 0 && response.Status != 206)
            {
                response.Dispose();
                throw new ArmException(response.Status, "RangeNotHonoured", "The download host did not resume the download where it stopped.");
            }
            return response;
        }

        /// <summary>A read stream over one blob that re-requests the rest with Range when the connection drops.</summary>
        private sealed class ResumableStream : BillingPowerShell.Engine.Files.ReadOnlyStream
        {
            private readonly BlobClient _owner;
            private readonly Uri _uri;
            private readonly string? _etag;
            private readonly long? _length;
            private readonly CallContext _context;
            private readonly CancellationToken _token;
            private Response _response;
            private Stream _body;
            private long _position;
            private int _resumes;

            public ResumableStream(BlobClient owner, Uri uri, Response first, string? etag, long? length, CallContext context, CancellationToken token)
            {
                _owner = owner; _uri = uri; _response = first; _etag = etag; _length = length; _context = context; _token = token;
                _body = first.ContentStream ?? Stream.Null;
            }

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                while (true)
                {
                    int read;
                    try
                    {
                        read = await _body.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !_token.IsCancellationRequested && (ex is IOException || ex is System.Net.Http.HttpRequestException || ex is ObjectDisposedException
                        || ex is OperationCanceledException)) // a stalled connection hit the read timeout: resume like a reset
                    {
                        if (_length is long total && _position >= total) return 0; // every byte arrived before the reset
                        await ResumeAsync(ex.Message).ConfigureAwait(false);
                        continue;
                    }
                    if (read == 0 && _length is long expected && _position < expected)
                    {
                        await ResumeAsync($"the body ended at byte {_position} of {expected}").ConfigureAwait(false);
                        continue;
                    }
                    _position += read;
                    return read;
                }
            }

            private async Task ResumeAsync(string why)
            {
                if (++_resumes > _owner._maxResumes)
                    throw new ArmException(0, "DownloadInterrupted", $"The download of {Redactor.WithoutQuery(_uri)} was interrupted {_resumes} times; last: {Redactor.Redact(why)}");
                _context.Verbose?.Invoke($"Download interrupted at byte {_position} ({Redactor.Redact(why)}); resuming.");
                _context.OnRetry(0, TimeSpan.Zero);
                _body.Dispose();
                _response.Dispose();
                _response = await _owner.SendAsync(_uri, _position, _etag, _context, _token).ConfigureAwait(false);
                _body = _response.ContentStream ?? Stream.Null;
            }

            public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
            public override long Length => _length ?? throw new NotSupportedException();
            public override long Position { get => _position; set => throw new NotSupportedException(); }

            protected override void Dispose(bool disposing)
            {
                if (disposing) { _body.Dispose(); _response.Dispose(); }
                base.Dispose(disposing);
            }
        }

        /// <summary>Never lets an Authorization header reach the blob host, whatever a caller or a redirect added.</summary>
        private sealed class NoAuthorizationPolicy : HttpPipelineSynchronousPolicy
        {
            public override void OnSendingRequest(HttpMessage message) => message.Request.Headers.Remove("Authorization");
        }
    }
}
