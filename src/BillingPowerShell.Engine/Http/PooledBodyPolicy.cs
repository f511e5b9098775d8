using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>
    /// Reads response bodies that Azure.Core was told not to buffer (<see cref="HttpMessage.BufferResponse"/> false), inside
    /// the retry policy so that a body cut off half-way is retried like any other transport failure:
    /// <list type="bullet">
    /// <item>an error answer (3xx and up): its first 64 KB, so that the error parser can read it;</item>
    /// <item>a successful answer of a message marked with <see cref="Mark"/> (list pages): the whole body, into 64 KB
    /// buffers from <see cref="ArrayPool{T}.Shared"/>. A usage-details page is about 2 MB; buffered the default way every
    /// page leaves several megabytes of large-object garbage (the growing MemoryStream's doublings), which only a full
    /// collection frees, while pooled 64 KB pieces (below the large-object threshold) serve page after page. The reader
    /// must be done with the body before the message is disposed (disposing returns the pieces).</item>
    /// </list>
    /// Other successful unbuffered answers (blob downloads) are left as streams for the caller.
    /// </summary>
    internal sealed class PooledBodyPolicy : HttpPipelinePolicy
    {
        private const string Property = "BillingPowerShell.PooledBody";
        internal const int SegmentBytes = 64 * 1024;
        private const long MaxBodyBytes = 256L * 1024 * 1024; // a page is a few MB; anything near this is not a page

        /// <summary>Marks <paramref name="message"/>: its body is read into pooled pieces (and not buffered by Azure.Core).</summary>
        public static void Mark(HttpMessage message)
        {
            message.BufferResponse = false;
            message.SetProperty(Property, true);
        }

        /// <summary>The body of a marked message, as read by this policy; empty when there is none.</summary>
        public static ReadOnlySequence<byte> BodyOf(Response response) =>
            response.ContentStream is PooledBodyStream pooled ? pooled.Sequence
            : response.ContentStream is null ? ReadOnlySequence<byte>.Empty
            : new ReadOnlySequence<byte>(response.Content.ToMemory());

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The billing engine only makes asynchronous calls.");

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            if (!message.HasResponse) return;
            var response = message.Response;
            var source = response.ContentStream;
            if (source is null || source is MemoryStream) return; // nothing to read, or Azure.Core buffered it
            if (response.Status >= 300)
            {
                response.ContentStream = await ReadErrorAsync(source, message.CancellationToken).ConfigureAwait(false);
                return;
            }
            if (!message.TryGetProperty(Property, out _)) return;
            var body = new PooledBodyStream();
            try
            {
                await body.FillAsync(source, message.CancellationToken).ConfigureAwait(false);
                if (response.Headers.ContentLengthLong is long expected && expected != body.Length)
                    throw new IOException($"The response ended after {body.Length} of {expected} bytes.");
            }
            catch
            {
                body.Dispose();
                throw;
            }
            finally
            {
                source.Dispose();
            }
            response.ContentStream = body;
        }

        private const int MaxErrorBytes = 64 * 1024;

        /// <summary>The first 64 KB of an error answer (an error is a few hundred bytes; more is not worth waiting for).</summary>
        private static async Task<MemoryStream> ReadErrorAsync(Stream source, CancellationToken ct)
        {
            try
            {
                var buffer = new byte[MaxErrorBytes];
                int total = 0, n;
                while (total < buffer.Length && (n = await source.ReadAsync(buffer, total, buffer.Length - total, ct).ConfigureAwait(false)) > 0)
                    total += n;
                return new MemoryStream(buffer, 0, total, writable: false, publiclyVisible: true);
            }
            finally
            {
                source.Dispose();
            }
        }

        /// <summary>A body held in pooled pieces; readable as a stream or, without copying, as a sequence.</summary>
        private sealed class PooledBodyStream : Files.ReadOnlyStream
        {
            private List<byte[]>? _pieces = new List<byte[]>();
            private int _lastLength;
            private long _position;
            private ReadOnlySequence<byte>? _sequence;

            public long Count { get; private set; }
            public override long Length => Count;
            public override long Position { get => _position; set => throw new NotSupportedException(); }

            public async Task FillAsync(Stream source, CancellationToken ct)
            {
                var pieces = _pieces!;
                while (true)
                {
                    if (pieces.Count == 0 || _lastLength == SegmentBytes)
                    {
                        if (Count >= MaxBodyBytes) throw new InvalidDataException($"The response body is larger than {MaxBodyBytes / (1024 * 1024)} MB.");
                        pieces.Add(ArrayPool<byte>.Shared.Rent(SegmentBytes));
                        _lastLength = 0;
                    }
                    var piece = pieces[pieces.Count - 1];
                    var read = await source.ReadAsync(piece, _lastLength, SegmentBytes - _lastLength, ct).ConfigureAwait(false);
                    if (read == 0) return;
                    _lastLength += read;
                    Count += read;
                }
            }

            public ReadOnlySequence<byte> Sequence => _sequence ??= Build();

            private ReadOnlySequence<byte> Build()
            {
                var pieces = _pieces ?? throw new ObjectDisposedException(nameof(PooledBodyStream));
                if (Count == 0) return ReadOnlySequence<byte>.Empty;
                Piece? first = null, last = null;
                for (var i = 0; i < pieces.Count; i++)
                {
                    var length = i == pieces.Count - 1 ? _lastLength : SegmentBytes;
                    if (length == 0) break;
                    var piece = new Piece(new ReadOnlyMemory<byte>(pieces[i], 0, length), last);
                    first ??= piece;
                    last = piece;
                }
                return first == last ? new ReadOnlySequence<byte>(first!.Memory) : new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                var rest = Sequence.Slice(_position);
                var n = (int)Math.Min(count, rest.Length);
                rest.Slice(0, n).CopyTo(new Span<byte>(buffer, offset, n));
                _position += n;
                return n;
            }

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
                Task.FromResult(Read(buffer, offset, count));

            protected override void Dispose(bool disposing)
            {
                var pieces = Interlocked.Exchange(ref _pieces, null);
                if (pieces is not null)
                {
                    _sequence = null;
                    foreach (var p in pieces) ArrayPool<byte>.Shared.Return(p);
                }
                base.Dispose(disposing);
            }

            private sealed class Piece : ReadOnlySequenceSegment<byte>
            {
                public Piece(ReadOnlyMemory<byte> memory, Piece? previous)
                {
                    Memory = memory;
                    if (previous is not null)
                    {
                        RunningIndex = previous.RunningIndex + previous.Memory.Length;
                        previous.Next = this;
                    }
                }
            }
        }
    }
}
