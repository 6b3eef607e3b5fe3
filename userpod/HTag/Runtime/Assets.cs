using System.Security.Cryptography;

namespace HTag;

/// <summary>The browser runtime, embedded in the assembly and loaded once.</summary>
internal static class Assets
{
    static readonly Lazy<(byte[] Bytes, string Version)> s_js = new(() => Load("htag.js"));

    public static byte[] HtagJs => s_js.Value.Bytes;

    /// <summary>Content hash, used in the script URL so browsers may cache it for long.</summary>
    public static string HtagJsVersion => s_js.Value.Version;

    static (byte[], string) Load(string name)
    {
        using var s = typeof(Assets).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} missing");
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        var bytes = ms.ToArray();
        return (bytes, Convert.ToHexStringLower(SHA256.HashData(bytes))[..12]);
    }
}
