using System.Security.Cryptography;
using HTagKube.Routing.Identity;
using Microsoft.AspNetCore.DataProtection;

namespace HTagKube.Router.Identity;

/// <summary>
/// Makes the uid cookie router-issued: its value is the uid sealed (encrypted and authenticated) with ASP.NET data
/// protection on the backend's key ring, which every router on one Redis shares. A uid a client invents (session
/// fixation), a tampered value or one sealed under another key ring does not open and is replaced by a fresh cookie.
/// The userKey still derives from the uid alone (<see cref="UserKey.FromUid"/>), so routes are unchanged.
/// </summary>
public sealed class UidSeal(IDataProtectionProvider keys)
{
    /// <summary>The purpose isolating these values from every other use of the key ring (the login cookie's).</summary>
    public const string Purpose = "htagkube.uid-cookie.v1";

    readonly IDataProtector _protector = keys.CreateProtector(Purpose);

    /// <summary>The cookie value for <paramref name="uid"/>. Throws when the key ring cannot be read (Redis down).</summary>
    public string Seal(string uid)
    {
        if (!UserKey.IsWellFormedUid(uid)) throw new ArgumentException("not a uid", nameof(uid));
        return _protector.Protect(uid);
    }

    /// <summary>The uid of a value a router on this key ring sealed; null for anything else.</summary>
    public string? Open(string? value)
    {
        // A sealed uid is a few hundred characters; anything far longer is not worth decoding.
        if (string.IsNullOrEmpty(value) || value.Length > 512) return null;
        try
        {
            var uid = _protector.Unprotect(value);
            return UserKey.IsWellFormedUid(uid) ? uid : null;
        }
        catch (CryptographicException) { return null; }
        catch (FormatException) { return null; }
    }
}
