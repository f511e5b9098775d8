using System;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;

namespace BillingPowerShell.Emulator.Exports;

/// <summary>
/// Where the world's storage account lives (`--storage-url`, or `POST /_emulator/storage`): a blob endpoint such as
/// Azurite's `https://127.0.0.1:&lt;port&gt;/devstoreaccount1`. The emulator writes export runs there as the exports
/// service would, with Shared Key (the storage emulator's well-known devstoreaccount1 key is public).
/// TLS: a certificate that the machine trusts, or one that chains to the emulator's own certificate (Azurite is
/// started with it); validation is never switched off.
/// </summary>
internal sealed class StorageConnection
{
    /// <summary>The public key of the storage emulator's well-known account devstoreaccount1 (Azurite's README).</summary>
    public const string WellKnownKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public required Uri BlobUrl { get; init; }
    public required BlobServiceClient Service { get; init; }

    public static StorageConnection Create(string url, string? accountKey, X509Certificate2 emulatorCertificate)
    {
        if (!Uri.TryCreate(url.TrimEnd('/'), UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
            throw new ArgumentException($"The storage URL '{url}' is not an absolute http(s) URL.");
        // Path-style (IP or localhost) URLs carry the account as their first segment; host-style ones in the host name.
        string account = uri.Segments.Length > 1 ? uri.Segments[1].Trim('/') : uri.Host.Split('.')[0];
        if (account.Length == 0) throw new ArgumentException($"The storage URL '{url}' names no account (expected https://<host>:<port>/<account>).");
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, errors) => Trusted(cert, errors, emulatorCertificate) },
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        };
        var options = new BlobClientOptions { Transport = new HttpClientTransport(new HttpClient(handler)) };
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        var credential = new StorageSharedKeyCredential(account, string.IsNullOrEmpty(accountKey) ? WellKnownKey : accountKey);
        return new StorageConnection { BlobUrl = uri, Service = new BlobServiceClient(uri, credential, options) };
    }

    /// <summary>The machine's own validation passed, or (names matching) the chain ends at the emulator's certificate.</summary>
    private static bool Trusted(X509Certificate? cert, SslPolicyErrors errors, X509Certificate2 emulatorCertificate)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (cert == null || errors != SslPolicyErrors.RemoteCertificateChainErrors) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(emulatorCertificate);
        using var leaf = new X509Certificate2(cert);
        return chain.Build(leaf);
    }
}
