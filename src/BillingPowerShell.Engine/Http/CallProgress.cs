namespace BillingPowerShell.Engine.Http
{
    /// <summary>How far a long call has come, as the engine reports it through <see cref="CallContext.Progress"/>.</summary>
    public sealed class CallProgress
    {
        public CallProgress(int done, int total, string? item = null, long rows = 0, long bytes = 0)
        {
            Done = done; Total = total; Item = item; Rows = rows; Bytes = bytes;
        }

        /// <summary>Items (usage chunks, files) finished so far.</summary>
        public int Done { get; }
        /// <summary>Items in the call; 0 when not known.</summary>
        public int Total { get; }
        /// <summary>The item just finished (a file name, a chunk), if any.</summary>
        public string? Item { get; }
        public long Rows { get; }
        public long Bytes { get; }
    }

    /// <summary>One item of a call that failed while the call went on: the error, the item, and what it was ("Invoice 'G1'").</summary>
    public sealed class ItemFailure
    {
        public ItemFailure(System.Exception error, object? target, string what) { Error = error; Target = target; What = what; }

        public System.Exception Error { get; }
        public object? Target { get; }
        public string What { get; }
    }
}
