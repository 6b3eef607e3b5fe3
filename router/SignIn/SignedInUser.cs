using HTagKube.Contract;
using System.Buffers.Text;
using System.Security.Claims;
using System.Text.Json;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.SignIn;

/// <summary>
/// A verified identity as the router's login cookie carries it. Its userKey is a digest of issuer + subject
/// (<see cref="UserKey.FromIdentity"/>), so one person has one userpod from every browser; the subject itself only
/// travels to that person's own userpod, in <see cref="HeaderName"/>.
/// </summary>
public sealed record SignedInUser(string Issuer, string Subject, string? Name, string? Email, bool EmailVerified,
    IReadOnlyList<string> Groups, DateTimeOffset? LoginExpires)
{
    /// <summary>The header carrying the identity to the userpod (docs/design.md §4b).</summary>
    public const string HeaderName = Headers.User;

    /// <summary>Claim type under which the router stores the token's issuer in its login cookie.</summary>
    public const string IssuerClaim = "htagkube_iss";

    /// <summary>The route key of this person.</summary>
    public string UserKey => Routing.Identity.UserKey.FromIdentity(Issuer, Subject);

    /// <summary>What people see (kubectl, listings): the display name, else the e-mail; never the subject.</summary>
    public string DisplayName => !string.IsNullOrWhiteSpace(Name) ? Name! : Email ?? "";

    /// <summary>The identity of a cookie-authenticated principal; null when it lacks an issuer or a subject.</summary>
    public static SignedInUser? From(ClaimsPrincipal principal, string groupsClaim, DateTimeOffset? expires)
    {
        var issuer = principal.FindFirst(IssuerClaim)?.Value;
        var subject = principal.FindFirst("sub")?.Value;
        if (string.IsNullOrEmpty(issuer) || string.IsNullOrEmpty(subject)) return null;
        var verified = principal.FindFirst("email_verified")?.Value;
        return new SignedInUser(issuer, subject, principal.FindFirst("name")?.Value, principal.FindFirst("email")?.Value,
            string.Equals(verified, "true", StringComparison.OrdinalIgnoreCase), // missing = not verified
            [.. principal.FindAll(groupsClaim).Select(c => c.Value).Where(g => g.Length > 0).Distinct()], expires);
    }

    /// <summary>
    /// The <see cref="HeaderName"/> value: base64url (no padding) of UTF-8 JSON
    /// <c>{"iss","sub","name","email","groups":[…]}</c>, absent fields left out.
    /// </summary>
    public string HeaderValue()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("iss", Issuer);
            json.WriteString("sub", Subject);
            if (Name is not null) json.WriteString("name", Name);
            if (Email is not null) json.WriteString("email", Email);
            json.WriteStartArray("groups");
            foreach (var g in Groups) json.WriteStringValue(g);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Base64Url.EncodeToString(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }
}
