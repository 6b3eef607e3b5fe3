using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.Identity;

/// <summary>
/// Makes the uid cookie router-issued: its value is <c>uid.MAC</c>, MAC = HMAC-SHA256(key, uid) truncated to 128 bits,
/// base64url. A uid a client invents (session fixation) or a tampered value fails the check and is replaced by a fresh
/// cookie. The userKey still derives from the uid alone (<see cref="UserKey.FromUid"/>). The key is shared by every
/// router on the same Redis (<see cref="UidKeyStore"/>).
/// </summary>
public sealed class UidSigner
{
    /// <summary>Key size: 256 bits.</summary>
    public const int KeyBytes = 32;

    const int MacBytes = 16;

    /// <summary>Length of a cookie value: uid, '.', MAC.</summary>
    public const int ValueLength = UserKey.UidLength + 1 + 22;

    // Signing key first; older keys (kept after adopting another router's key on a Redis data loss) still verify.
    volatile byte[][] _keys;

    /// <summary>A signer with this key.</summary>
    public UidSigner(byte[] key)
    {
        if (key.Length != KeyBytes) throw new ArgumentException($"the uid key must be {KeyBytes} bytes", nameof(key));
        _keys = [key];
    }

    /// <summary>The signing key (to re-assert it in Redis).</summary>
    public byte[] Key => _keys[0];

    /// <summary>Signs with <paramref name="key"/> from now on; values signed with the previous key stay valid.</summary>
    public void Adopt(byte[] key)
    {
        if (key.Length != KeyBytes || CryptographicOperations.FixedTimeEquals(key, _keys[0])) return;
        _keys = [key, .. _keys.Take(3)];
    }

    /// <summary>A fresh random key.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyBytes);

    /// <summary>The cookie value for <paramref name="uid"/>.</summary>
    public string Issue(string uid)
    {
        if (!UserKey.IsWellFormedUid(uid)) throw new ArgumentException("not a uid", nameof(uid));
        Span<byte> mac = stackalloc byte[MacBytes];
        Mac(_keys[0], uid, mac);
        return uid + "." + Base64Url.EncodeToString(mac);
    }

    /// <summary>The uid of a value this router (or another on the same key) issued; null for anything else.</summary>
    public string? Verify(string? value)
    {
        if (value is null || value.Length != ValueLength || value[UserKey.UidLength] != '.') return null;
        var uid = value[..UserKey.UidLength];
        if (!UserKey.IsWellFormedUid(uid)) return null;
        Span<byte> given = stackalloc byte[MacBytes + 2];
        if (Base64Url.DecodeFromChars(value.AsSpan(UserKey.UidLength + 1), given, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != MacBytes)
            return null;
        Span<byte> expected = stackalloc byte[MacBytes];
        foreach (var key in _keys)
        {
            Mac(key, uid, expected);
            if (CryptographicOperations.FixedTimeEquals(expected, given[..MacBytes])) return uid;
        }
        return null;
    }

    static void Mac(byte[] key, string uid, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(uid), full);
        full[..MacBytes].CopyTo(mac);
    }
}
