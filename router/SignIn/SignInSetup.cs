using HTagKube.Router.Hosting;
using HTagKube.Router.Proxy;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace HTagKube.Router.SignIn;

/// <summary>
/// ASP.NET Core's cookie and OpenID Connect handlers, set up for the router: code flow with PKCE, callbacks under
/// the reserved <c>/_htagkube/</c> paths, every router cookie named <c>htagkube_*</c> (stripped before forwarding).
/// The login cookie is sealed with the backend's data-protection key ring (Backend/RouterBackend), which every
/// router on the same Redis shares.
/// </summary>
public static class SignInSetup
{
    /// <summary>The login cookie (ASP.NET may split it into htagkube_authC1, C2…).</summary>
    public const string CookieName = "htagkube_auth";

    /// <summary>Callback path of the code flow.</summary>
    public const string CallbackPath = "/_htagkube/signin-oidc";

    /// <summary>Adds the sign-in services when <see cref="RouterOptions.SignIn"/> is on.</summary>
    public static void Add(IServiceCollection services, RouterOptions options)
    {
        if (!options.SignIn) return;
        services.AddSingleton<AccessRules>();
        services.AddSingleton<SignInGate>();
        var authority = new Uri(options.OidcAuthority!);
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(c =>
            {
                c.Cookie.Name = CookieName;
                c.Cookie.HttpOnly = true;
                c.Cookie.SameSite = SameSiteMode.Lax;
                c.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                c.Cookie.IsEssential = true;
                // The login's lifetime is fixed at sign-in; after it the next page goes back to the provider.
                c.ExpireTimeSpan = options.OidcLoginLifetime;
                c.SlidingExpiration = false;
            })
            .AddOpenIdConnect(o =>
            {
                o.Authority = options.OidcAuthority;
                o.RequireHttpsMetadata = authority.Scheme == Uri.UriSchemeHttps; // http only on loopback (checked at start)
                if (options.OidcCa is not null) o.BackchannelHttpHandler = PrivateCaHandler(options.OidcCa);
                o.ClientId = options.OidcClientId;
                o.ClientSecret = options.OidcClientSecret;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.ResponseMode = "query"; // a redirect, so the Lax correlation cookie comes back without SameSite=None
                o.CallbackPath = CallbackPath;
                o.SignedOutCallbackPath = "/_htagkube/signout-callback-oidc";
                o.RemoteSignOutPath = "/_htagkube/signout-oidc";
                o.Scope.Clear();
                foreach (var scope in options.OidcScopes.Split(' ', StringSplitOptions.RemoveEmptyEntries)) o.Scope.Add(scope);
                o.MapInboundClaims = false; // claims under their JSON names: sub, name, email, groups
                o.GetClaimsFromUserInfoEndpoint = true;
                o.SaveTokens = false; // the router needs the identity only; the cookie stays small
                o.ClaimActions.MapJsonKey(options.OidcGroupsClaim, options.OidcGroupsClaim);
                o.ClaimActions.MapUniqueJsonKey("email_verified", "email_verified");
                o.TokenValidationParameters = new TokenValidationParameters { NameClaimType = "name" };
                foreach (var cookie in new[] { o.CorrelationCookie, o.NonceCookie })
                {
                    cookie.SameSite = SameSiteMode.Lax;
                    cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                }
                o.CorrelationCookie.Name = "htagkube_oidc_correlation.";
                o.NonceCookie.Name = "htagkube_oidc_nonce.";
                o.Events.OnTokenValidated = ctx =>
                {
                    // The userKey is issuer + subject: keep the token's issuer beside the subject in the login cookie.
                    if (ctx.SecurityToken?.Issuer is { Length: > 0 } iss
                        && ctx.Principal?.Identity is System.Security.Claims.ClaimsIdentity id)
                        id.AddClaim(new System.Security.Claims.Claim(SignedInUser.IssuerClaim, iss));
                    return Task.CompletedTask;
                };
                o.Events.OnTicketReceived = ctx =>
                {
                    ctx.ReturnUri = LocalReturnPath(ctx.ReturnUri); // whatever started the sign-in
                    return Task.CompletedTask;
                };
                o.Events.OnRemoteSignOut = ctx =>
                {
                    // Front-channel logout only as the spec has it, with the provider's sid and iss (which the handler
                    // then matches against the login): a bare GET from any page signs nobody out.
                    if (string.IsNullOrEmpty(ctx.ProtocolMessage?.Sid) || string.IsNullOrEmpty(ctx.ProtocolMessage?.Iss))
                    {
                        ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
                        ctx.HandleResponse();
                    }
                    return Task.CompletedTask;
                };
                o.Events.OnRemoteFailure = async ctx =>
                {
                    // A stale or forged callback (no correlation cookie, wrong state, provider error): a clear page.
                    ctx.HandleResponse();
                    ctx.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("HTagKube.Router.SignIn")
                        .LogWarning("sign-in callback failed: {Error}", ctx.Failure?.Message);
                    await Pages.WriteSignInFailedAsync(ctx.HttpContext);
                };
            });
    }

    /// <summary>
    /// The router's own calls to the provider (discovery, keys, token, user info) trusting only <paramref name="ca"/>:
    /// a provider with a private CA, without adding that CA to the whole container's trust store. Host names are
    /// checked as usual. No revocation check: a private CA rarely publishes a list the router could reach.
    /// </summary>
    static SocketsHttpHandler PrivateCaHandler(X509Certificate2Collection ca)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.AddRange(ca);
        return new SocketsHttpHandler
        {
            SslOptions = { CertificateChainPolicy = policy },
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
    }

    /// <summary>The sign-in middleware (callbacks, reading the login cookie); only when sign-in is on.</summary>
    public static void Use(WebApplication app, RouterOptions options)
    {
        if (options.SignIn) app.UseAuthentication();
    }

    /// <summary>Sends a browser to the provider, coming back to <paramref name="returnTo"/> (a local path).</summary>
    public static Task ChallengeAsync(HttpContext ctx, string returnTo) =>
        ctx.ChallengeAsync(OpenIdConnectDefaults.AuthenticationScheme,
            new AuthenticationProperties { RedirectUri = LocalReturnPath(returnTo) });

    /// <summary>
    /// <paramref name="returnTo"/> when it is a path of this site, else <c>/</c>: <c>//host/x</c> and <c>/\host/x</c>
    /// are other sites to a browser (an open redirect after sign-in).
    /// </summary>
    public static string LocalReturnPath(string? returnTo) =>
        returnTo is { Length: > 0 } r && r[0] == '/' && (r.Length == 1 || (r[1] != '/' && r[1] != '\\'))
        && !r.Any(char.IsControl) ? r : "/";
}
