using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BillingPowerShell.Engine.Auth;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Exports
{
    /// <summary>
    /// Read access to the container an export writes to, through Azure.Storage.Blobs: the connected credential with the
    /// Storage audience (Storage Blob Data Reader on the container), or a SAS token where RBAC is not granted
    /// (docs/contracts/EXPORTS_RECEIVE.md, "Storage access"). Every storage failure becomes an
    /// <see cref="ExportStorageException"/> whose message carries no SAS and no token.
    /// </summary>
    internal sealed class ExportStorage
    {
        private readonly BlobContainerClient _container;

        private ExportStorage(BlobContainerClient container, Uri serviceUri)
        {
            _container = container;
            ServiceUri = serviceUri;
        }

        /// <summary>The blob service, without any query: safe to show.</summary>
        public Uri ServiceUri { get; }
        public string Container => _container.Name;

        /// <summary>
        /// The blob endpoint of a storage account: https://{account}.{cloud's blob suffix}, from the last segment of
        /// its resource id, unless <paramref name="serviceUri"/> names it (private endpoints, Azurite).
        /// </summary>
        public static Uri ServiceUriFor(string? storageAccountId, CloudEnvironment cloud, Uri? serviceUri)
        {
            if (serviceUri is not null) return new Uri(serviceUri.GetLeftPart(UriPartial.Path).TrimEnd('/'));
            var account = Billing.Json.LastSegmentAfter(storageAccountId, "storageAccounts");
            if (string.IsNullOrEmpty(account))
                throw new ArgumentException($"The export's destination '{storageAccountId}' is not a storage account resource id (…/providers/Microsoft.Storage/storageAccounts/<name>); name its blob endpoint with -BlobServiceUri.");
            return new Uri($"https://{account!.ToLowerInvariant()}.{cloud.BlobEndpointSuffix}");
        }

        public static ExportStorage Open(Uri serviceUri, string container, TokenCredential? credential, string? sasToken, HttpPipelineTransport? transport) =>
            Open(serviceUri, container, credential, sasToken, transport, null);

        /// <summary>As above; <paramref name="retryDelay"/> shortens the storage client's backoff (tests: a fake
        /// transport that never answers would otherwise wait out Azure.Core's default retries, about 25 s).</summary>
        internal static ExportStorage Open(Uri serviceUri, string container, TokenCredential? credential, string? sasToken, HttpPipelineTransport? transport, TimeSpan? retryDelay)
        {
            var options = new BlobClientOptions();
            if (transport is not null) options.Transport = transport;
            if (retryDelay is TimeSpan delay) { options.Retry.Delay = delay; options.Retry.MaxDelay = delay; }
            options.Diagnostics.IsLoggingContentEnabled = false;
            var containerUri = new Uri(serviceUri.AbsoluteUri.TrimEnd('/') + "/" + Uri.EscapeDataString(container));
            BlobContainerClient client;
            if (!string.IsNullOrEmpty(sasToken)) client = new BlobContainerClient(containerUri, new AzureSasCredential(sasToken!.TrimStart('?')), options);
            else if (credential is not null) client = new BlobContainerClient(containerUri, credential, options);
            else throw new InvalidOperationException("Not connected: run Connect-BillingAccount, or pass -SasToken.");
            return new ExportStorage(client, serviceUri);
        }

        /// <summary>The whole of one small blob (the manifest).</summary>
        public Task<byte[]> ReadAllAsync(string blobName, CancellationToken ct) => Guard(blobName, async () =>
        {
            var result = await _container.GetBlobClient(blobName).DownloadContentAsync(ct).ConfigureAwait(false);
            return result.Value.Content.ToArray();
        });

        /// <summary>Name → length of every blob under <paramref name="prefix"/>.</summary>
        public Task<Dictionary<string, long>> ListAsync(string prefix, CancellationToken ct) => Guard(prefix, async () =>
        {
            var found = new Dictionary<string, long>(StringComparer.Ordinal);
            await foreach (var item in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, ct).ConfigureAwait(false))
                found[item.Name] = item.Properties.ContentLength ?? 0;
            return found;
        });

        /// <summary>The length of one blob, or null when it does not exist.</summary>
        public Task<long?> LengthAsync(string blobName, CancellationToken ct) => Guard(blobName, async () =>
        {
            try
            {
                var p = await _container.GetBlobClient(blobName).GetPropertiesAsync(cancellationToken: ct).ConfigureAwait(false);
                return (long?)p.Value.ContentLength;
            }
            catch (RequestFailedException ex) when (ex.Status == 404) { return null; }
        });

        /// <summary>Streams one blob into <paramref name="target"/> (bounded memory: one copy buffer per file).</summary>
        public Task CopyToAsync(string blobName, Stream target, CancellationToken ct) => Guard(blobName, async () =>
        {
            var response = await _container.GetBlobClient(blobName).DownloadStreamingAsync(new BlobDownloadOptions(), ct).ConfigureAwait(false);
            using var content = response.Value.Content;
            await content.CopyToAsync(target, 1 << 16, ct).ConfigureAwait(false);
            return true;
        });

        // Every storage call: a refusal (an HTTP status) or no answer at all (DNS, connection, TLS: Azure.Core gives up
        // after its retries with an AggregateException of them) becomes an ExportStorageException in our words.
        private async Task<T> Guard<T>(string what, Func<Task<T>> read)
        {
            try { return await read().ConfigureAwait(false); }
            catch (RequestFailedException ex) when (ex.Status != 0) { throw Translate(ex, what); }
            catch (Exception ex) when (ex is RequestFailedException || ex is AggregateException) { throw Unreachable(ex, what); }
        }

        /// <summary>No answer from the storage account: what the network said, and -BlobServiceUri, which most often
        /// is the fix (a private endpoint, Azurite, another cloud).</summary>
        private ExportStorageException Unreachable(Exception ex, string what)
        {
            var last = ex is AggregateException all && all.InnerExceptions.Count > 0 ? all.InnerExceptions[all.InnerExceptions.Count - 1] : ex;
            var reason = (last.InnerException ?? last).Message.Trim().TrimEnd('.');
            return new ExportStorageException(0, null,
                $"Could not reach the storage account at {ServiceUri.Host} to read '{what}' in container '{Container}': {reason}. " +
                "Check -BlobServiceUri: the blob endpoint comes from the storage account id and the connected cloud " +
                "(https://<account>.blob.core.windows.net in Azure's public cloud); a private endpoint or Azurite needs it given, " +
                "for Azurite with the account in the path (https://127.0.0.1:10000/devstoreaccount1).");
        }

        /// <summary>
        /// A storage refusal in our words: status, the service's error code, what was being read, what to do. The SDK's
        /// own message (request headers, the URL) is not carried, and neither is the exception, so no SAS reaches $Error.
        /// </summary>
        private ExportStorageException Translate(RequestFailedException ex, string what)
        {
            var place = $"'{what}' in container '{Container}' of {ServiceUri.Host}";
            var hint = ex.Status switch
            {
                401 or 403 => " The sign-in needs the Storage Blob Data Reader role on the container (or pass a SAS token with read and list rights with -SasToken); a SAS that expired or lacks a right is refused the same way.",
                404 => " Check -BlobServiceUri and the run's container.",
                400 => " The service did not take the request: check -BlobServiceUri, the account's blob endpoint (for Azurite with the account in the path: https://127.0.0.1:10000/devstoreaccount1).",
                _ => "",
            };
            return new ExportStorageException(ex.Status, ex.ErrorCode, $"The storage account refused to read {place}: {ex.Status}{(string.IsNullOrEmpty(ex.ErrorCode) ? "" : " " + ex.ErrorCode)}.{hint}");
        }
    }

    /// <summary>A storage request that failed; the message is safe to show (no SAS, no token).</summary>
    public sealed class ExportStorageException : Exception
    {
        public ExportStorageException(int status, string? code, string message) : base(Redactor.Redact(message)) { Status = status; Code = code; }
        public int Status { get; }
        public string? Code { get; }
    }
}
