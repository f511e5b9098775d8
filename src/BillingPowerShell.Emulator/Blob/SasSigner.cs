using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BillingPowerShell.Emulator.Blob;

/// <summary>
/// Signs blob URLs like a service SAS: sig = HMAC-SHA256(key, "r\n{se}\n/{container}/{blob}\n2019-02-02").
/// The key is random per emulator process, so a URL is only valid on the emulator that issued it.
/// </summary>
internal sealed class SasSigner
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    public const string Version = "2019-02-02";

    public static string FormatExpiry(DateTime expiryUtc) =>
        expiryUtc.Millisecond == 0
            ? expiryUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : expiryUtc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public string Sign(string container, string blob, string se)
    {
        using var h = new HMACSHA256(_key);
        return Convert.ToBase64String(h.ComputeHash(Encoding.UTF8.GetBytes($"r\n{se}\n/{container}/{blob}\n{Version}")));
    }

    public string BuildUrl(string baseUrl, string container, string blob, DateTime expiryUtc)
    {
        string se = FormatExpiry(expiryUtc);
        return $"{baseUrl}/{container}/{blob}?sv={Version}&sr=b&sp=r&se={Uri.EscapeDataString(se)}&sig={Uri.EscapeDataString(Sign(container, blob, se))}";
    }

    public bool Verify(string container, string blob, string se, string sig) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(container, blob, se)), Encoding.ASCII.GetBytes(sig));
}
