using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace BillingPowerShell.Emulator.Infrastructure;

/// <summary>
/// A self-signed certificate made at start-up. It is its own CA (basicConstraints CA:true) so that a client can
/// trust exactly this certificate through SSL_CERT_FILE / NODE_EXTRA_CA_CERTS / curl --cacert, without ever
/// disabling validation. Valid for localhost and 127.0.0.1 (the blob host and the ARM host).
/// Its private key is written beside it as emulator-key.pem (PKCS#8, owner-only on Unix) so that Azurite, the
/// customer's storage account in tests, can serve HTTPS with the same certificate (tools/Emulator.psm1, Start-Azurite).
/// </summary>
internal static class CertificateFactory
{
    public const string KeyFileName = "emulator-key.pem";

    /// <summary>Writes the key readable by its owner only (created with that mode where the OS has one).</summary>
    private static void WriteKey(string path, RSA rsa)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var f = new FileStream(path, options);
        using var w = new StreamWriter(f);
        w.Write(rsa.ExportPkcs8PrivateKeyPem() + "\n");
    }

    public static X509Certificate2 CreateAndWrite(string certDir, out string pemPath)
    {
        using var rsa = RSA.Create(2048);
        var req = new CertificateRequest("CN=BillingPowerShell Emulator", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var created = req.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        // Round-trip through PKCS#12 so Kestrel gets a certificate whose private key is usable by SslStream on every OS.
        var cert = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
        Directory.CreateDirectory(certDir);
        pemPath = Path.GetFullPath(Path.Combine(certDir, "emulator.pem"));
        File.WriteAllText(pemPath, cert.ExportCertificatePem() + "\n");
        WriteKey(Path.Combine(Path.GetDirectoryName(pemPath)!, KeyFileName), rsa);
        return cert;
    }
}
