using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace HTagKube.Router.Admission;

/// <summary>The per-client rate-limit key: a hash of the client IP, so no address is stored in Redis keys.</summary>
public static class ClientKey
{
    /// <summary>32 hex characters of SHA-256 over the address (IPv4-mapped IPv6 folded to IPv4).</summary>
    public static string Of(IPAddress? address)
    {
        var text = address is null ? "unknown" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
    }
}
