using System.Security.Cryptography;
using System.Text;

namespace HTagKube.Contract;

/// <summary>
/// The userpod token: 256 random bits as base64url without padding (43 characters), minted by whoever starts a
/// userpod (local router, operator) and compared in constant time by the userpod.
/// </summary>
public static class Tokens
{
    /// <summary>Random bytes in a token.</summary>
    public const int Bytes = 32;

    /// <summary>A fresh token.</summary>
    public static string New()
    {
        Span<byte> random = stackalloc byte[Bytes];
        RandomNumberGenerator.Fill(random);
        return Convert.ToBase64String(random).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>True when <paramref name="given"/> is <paramref name="expected"/>, in time independent of where they differ.</summary>
    public static bool AreEqual(string? given, string expected)
    {
        if (given is null) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
    }
}
