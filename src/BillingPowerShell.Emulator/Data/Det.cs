using System;
using System.Globalization;

namespace BillingPowerShell.Emulator.Data;

/// <summary>
/// Deterministic pseudo-randomness: every generated value is a pure function of (seed, key, index),
/// so the same document or usage row always has the same bytes no matter which API asks for it or in what order.
/// </summary>
internal static class Det
{
    public static ulong Mix(ulong z)
    {
        // SplitMix64 finaliser: cheap and well distributed.
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static ulong HashString(string s)
    {
        // FNV-1a 64 over UTF-16 code units; stable across runs (string.GetHashCode is randomised per process).
        ulong h = 14695981039346656037UL;
        foreach (char c in s) { h ^= c; h *= 1099511628211UL; }
        return h;
    }

    public static ulong Hash(long seed, string key, long i = 0) => Mix(Mix((ulong)seed ^ HashString(key)) ^ (ulong)i);
    public static ulong Hash(ulong baseHash, long i) => Mix(baseHash ^ Mix((ulong)i + 0x632BE59BD9B4E019UL));

    public static int Int(ulong h, int maxExclusive) => (int)(h % (ulong)maxExclusive);
    public static double Unit(ulong h) => (h >> 11) * (1.0 / (1UL << 53));

    public static Guid Guid(long seed, string key)
    {
        Span<byte> b = stackalloc byte[16];
        BitConverter.TryWriteBytes(b, Hash(seed, key, 1));
        BitConverter.TryWriteBytes(b.Slice(8), Hash(seed, key, 2));
        b[7] = (byte)((b[7] & 0x0F) | 0x40); // version 4 layout so it looks like a real GUID
        b[8] = (byte)((b[8] & 0x3F) | 0x80);
        return new Guid(b);
    }

    public static string Digits(long seed, string key, int count)
    {
        ulong h = Hash(seed, key, 7);
        var chars = new char[count];
        for (int i = 0; i < count; i++) { chars[i] = (char)('0' + (int)(h % 10)); h = Mix(h); }
        if (chars[0] == '0') chars[0] = '1';
        return new string(chars);
    }

    public static string Alnum(long seed, string key, int count)
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
        ulong h = Hash(seed, key, 9);
        var chars = new char[count];
        for (int i = 0; i < count; i++) { chars[i] = alphabet[(int)(h % (ulong)alphabet.Length)]; h = Mix(h); }
        return new string(chars);
    }

    public static string Iso(DateTime d) => d.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
    public static string IsoDate(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
