namespace BillingPowerShell
{
    /// <summary>
    /// One data file of an export run, on local disk after Receive-BillingExport (the cmdlet writes it as a FileInfo
    /// with these facts as note properties).
    /// </summary>
    public sealed class ReceivedExportFile
    {
        /// <summary>The full local path.</summary>
        public string Path { get; set; } = "";
        /// <summary>The blob's path relative to its container, as the manifest names it.</summary>
        public string BlobName { get; set; } = "";
        public string ExportName { get; set; } = "";
        public string RunId { get; set; } = "";
        /// <summary>The month the data belongs to, yyyy-MM (the manifest's runInfo.startDate).</summary>
        public string? Month { get; set; }
        /// <summary>ActualCost, AmortizedCost, FocusCost, … (the manifest's exportConfig.type).</summary>
        public string? Dataset { get; set; }
        public long Length { get; set; }
        /// <summary>Data rows in the file, when the manifest gives them.</summary>
        public long? RowCount { get; set; }
        /// <summary>False when the file was already there, complete, and was not downloaded again.</summary>
        public bool Downloaded { get; set; }
        public override string ToString() => Path;
    }
}
