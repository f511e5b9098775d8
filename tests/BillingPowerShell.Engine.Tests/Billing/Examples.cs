using System;
using System.IO;
using System.Text.Json;

namespace BillingPowerShell.Engine.Tests.Billing
{
    /// <summary>The official example payloads in ../shared/azure-api/examples (beside the repository).</summary>
    internal static class Examples
    {
        private static readonly Lazy<string> Root = new Lazy<string>(() =>
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "azure-api", "examples");
                if (Directory.Exists(candidate)) return candidate;
                candidate = Path.Combine(dir.FullName, "..", "shared", "azure-api", "examples");
                if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
            }
            throw new DirectoryNotFoundException("The official examples (shared/azure-api/examples) were not found above " + AppContext.BaseDirectory);
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
