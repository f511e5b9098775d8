using System;
using System.IO;

namespace BillingPowerShell.Engine.Files
{
    /// <summary>
    /// The forward-only, read-only stream the engine's wrappers are (resumable blob reads, counting, prefixing, queues):
    /// everything but reading is refused once, here.
    /// </summary>
    public abstract class ReadOnlyStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
