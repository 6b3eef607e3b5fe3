using System.Buffers.Text;
using System.Security.Cryptography;

namespace HTagKube.Routing.Identity;

/// <summary>
/// The uid cookie is a bearer secret; everything that is stored, logged or named uses the userKey,
/// a one-way digest of it. See docs/design.md §3 and §6.
/// </summary>
public static class UserKey
{
    /// <summary>Raw uid size: 256 bits.</summary>
    public const int UidBytes = 32;

    /// <summary>Base64url (unpadded) length of a uid.</summary>
    public const int UidLength = 43;

    /// <summary>Length of a userKey in hex characters.</summary>
    public const int Length = 32;

    /// <summary>A fresh 256-bit random uid, base64url without padding.</summary>
    public static string NewUid()
    {
        Span<byte> bytes = stackalloc byte[UidBytes];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>True when <paramref name="uid"/> has exactly the shape <see cref="NewUid"/> produces.</summary>
    public static bool IsWellFormedUid(string? uid)
    {
        if (uid is null || uid.Length != UidLength) return false;
        foreach (var c in uid)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')) return false;
        }
        return Base64Url.IsValid(uid, out var decoded) && decoded == UidBytes;
    }

    /// <summary>hex(SHA-256(uid))[..32]: the only user identifier that leaves the router.</summary>
    public static string FromUid(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(uid), hash);
        return Convert.ToHexStringLower(hash)[..Length];
    }

    /// <summary>
    /// hex(SHA-256("oidc\n" + issuer + "\n" + subject))[..32]: the userKey of a person signed in with OpenID Connect,
    /// the same from every browser. The prefix keeps it apart from every uid's key; the subject never leaves as such.
    /// </summary>
    public static string FromIdentity(string issuer, string subject)
    {
        ArgumentException.ThrowIfNullOrEmpty(issuer);
        ArgumentException.ThrowIfNullOrEmpty(subject);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("oidc\n" + issuer + "\n" + subject), hash);
        return Convert.ToHexStringLower(hash)[..Length];
    }

    /// <summary>True when <paramref name="key"/> looks like a userKey (32 lowercase hex chars).</summary>
    public static bool IsWellFormed(string? key)
    {
        if (key is null || key.Length != Length) return false;
        foreach (var c in key)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return false;
        }
        return true;
    }
}
