using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Exports;
using BillingPowerShell.Engine.Tests.Http;
using Xunit;

namespace BillingPowerShell.Engine.Tests.Exports
{
    /// <summary>Storage failures in our words (Receive-BillingExport's StorageUnreachable, StorageError): the network's
    /// reason and -BlobServiceUri, never the SDK's retry list or a SAS.</summary>
    public sealed class ExportStorageTests
    {
        private static readonly Uri Service = new Uri("https://costdata.blob.core.windows.net");

        [Fact]
        public async Task NoAnswerIsUnreachableNamingTheHostTheReasonAndBlobServiceUri()
        {
            var transport = new FakeTransport { Handler = _ => Reply.Throw(new Azure.RequestFailedException("Name or service not known (costdata.blob.core.windows.net:443)",
                // As Azure.Core's HttpClientTransport reports a request that got no answer.
                new HttpRequestException("Name or service not known (costdata.blob.core.windows.net:443)"))) };
            var storage = ExportStorage.Open(Service, "exports", null, "sv=2024&sig=SECRETSIG", transport, TimeSpan.FromMilliseconds(1));
            var ex = await Assert.ThrowsAsync<ExportStorageException>(() => storage.ReadAllAsync("run/manifest.json", CancellationToken.None));
            Assert.Equal(0, ex.Status);
            Assert.Contains("Could not reach the storage account at costdata.blob.core.windows.net to read 'run/manifest.json' in container 'exports': Name or service not known", ex.Message);
            Assert.Contains("-BlobServiceUri", ex.Message);
            Assert.DoesNotContain("Retry failed", ex.Message);
            Assert.DoesNotContain("SECRETSIG", ex.Message);
            Assert.True(transport.Count > 1, "the storage client retried before giving up");
        }

        [Fact]
        public async Task ABadRequestWithoutAnErrorCodeSaysToCheckBlobServiceUri()
        {
            var transport = new FakeTransport { Handler = _ => Reply.Bytes(400, Array.Empty<byte>()) };
            var storage = ExportStorage.Open(Service, "exports", null, "sv=2024&sig=SECRETSIG", transport, TimeSpan.FromMilliseconds(1));
            var ex = await Assert.ThrowsAsync<ExportStorageException>(() => storage.LengthAsync("run/part_0_0001.csv", CancellationToken.None));
            Assert.Equal(400, ex.Status);
            Assert.Contains("refused to read 'run/part_0_0001.csv' in container 'exports' of costdata.blob.core.windows.net: 400. The service did not take the request: check -BlobServiceUri", ex.Message);
        }
    }
}
