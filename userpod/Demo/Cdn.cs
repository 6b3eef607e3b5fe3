using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>
/// A style sheet from another origin (a CDN), allowed by configuration while the page's CSP stays strict: the
/// program adds the CDN's origin to this app's <c>ContentSecurity.Styles</c>. The URL comes from
/// <c>HTAG_DEMO_CDN_STYLESHEET</c> (the tests point it at a loopback server), by default water.css on jsDelivr.
/// </summary>
[Description("a style sheet from another origin, allowed by configuration under the strict CSP")]
public sealed class Cdn : Tag.Div
{
    /// <summary>The style sheet's URL.</summary>
    public static string StyleSheetUrl { get; } =
        Environment.GetEnvironmentVariable("HTAG_DEMO_CDN_STYLESHEET") is { Length: > 0 } url
            ? url
            : "https://cdn.jsdelivr.net/npm/water.css@2/out/water.min.css";

    /// <summary>Its origin, the one CSP source this app adds.</summary>
    public static string Origin => new Uri(StyleSheetUrl).GetLeftPart(UriPartial.Authority);

    protected override IEnumerable<Static> Statics => [Static.StyleSheet(StyleSheetUrl)];

    protected override void Init()
    {
        PageTitle = "CDN";
        Add(Styles.Back(), new Tag.H1("A CDN style sheet under a strict CSP"),
            new Tag.P("This page loads " + StyleSheetUrl + "; its origin is allowed for this app only "
                      + "(o.ContentSecurity.Styles.Add(origin)); scripts still need the page's nonce.") { Class = "cdn-styled" });
    }
}
