using System.Security.Cryptography;

namespace HTag;

/// <summary>The browser runtime, embedded in the assembly and loaded once.</summary>
static class Assets
{
    // idiomorph (from npm) then htag.js: one script, one request, one nonce.
    static readonly Lazy<(byte[] Bytes, string Version)> s_js =
        new(() => Concat(Load("idiomorph.js"), "\n;\n"u8.ToArray(), Load("htag.js")));

    public static byte[] HtagJs => s_js.Value.Bytes;

    /// <summary>Content hash, used in the script URL so browsers may cache it for long.</summary>
    public static string HtagJsVersion => s_js.Value.Version;

    static byte[] Load(string name)
    {
        using var s = typeof(Assets).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} missing");
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    static (byte[], string) Concat(params byte[][] parts)
    {
        var bytes = parts.SelectMany(p => p).ToArray();
        return (bytes, Convert.ToHexStringLower(SHA256.HashData(bytes))[..12]);
    }
}
