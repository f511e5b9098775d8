using System;
using System.IO;
using System.Text.Json;

namespace BillingPowerShell.Engine.Tests.Billing
{
    /// <summary>The official example payloads the repository carries in docs/contracts/azure-api/examples
    /// (upstream path and commit of each in docs/contracts/azure-api/SOURCES.tsv).</summary>
    internal static class Examples
    {
        private static readonly Lazy<string> Root = new Lazy<string>(() =>
        {
            // The repository root is the folder with DEVELOPING.md; nothing outside it is read.
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "DEVELOPING.md")))
                    return Path.Combine(dir.FullName, "docs", "contracts", "azure-api", "examples");
            }
            throw new DirectoryNotFoundException("The repository root (the folder with DEVELOPING.md) was not found above " + AppContext.BaseDirectory);
        });

        public static string Path2(string relative) => Path.Combine(Root.Value, relative.Replace('/', Path.DirectorySeparatorChar));

        /// <summary>The response body of an example as JSON text.</summary>
        public static string Body(string relative, string status = "200")
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path2(relative)));
            return doc.RootElement.GetProperty("responses").GetProperty(status).GetProperty("body").GetRawText();
        }

        public static JsonDocument BodyDocument(string relative, string status = "200") => JsonDocument.Parse(Body(relative, status));

        public static JsonElement Parameters(string relative)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path2(relative)));
            return doc.RootElement.GetProperty("parameters").Clone();
        }
    }
}
