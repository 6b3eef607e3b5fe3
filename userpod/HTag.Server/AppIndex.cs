using System.ComponentModel;
using System.Reflection;

namespace HTag;

/// <summary>One line of the app index: a mapped app, its path (or route template) and what it is.</summary>
/// <param name="Path">The mapped path or route template.</param>
/// <param name="AppType">The app's class.</param>
/// <param name="Description">From the Map call, else the class's <see cref="DescriptionAttribute"/>, else null.</param>
/// <param name="Example">A URL to open it with (needed for a route template, optional otherwise), or null.</param>
/// <param name="IsTemplate">The path is a route template (no one URL: listed as text, linked by its example only).</param>
sealed record AppListing(string Path, Type AppType, string? Description, string? Example, bool IsTemplate)
{
    /// <summary>The Map call's description wins over the class's attribute (one class mapped twice, two descriptions).</summary>
    /// <remarks>Attributes of a kept type survive trimming and NativeAOT; reading them needs no reflection over members.</remarks>
    public static string? DescriptionOf(string? fromMap, Type appType) =>
        !string.IsNullOrWhiteSpace(fromMap) ? fromMap : appType.GetCustomAttribute<DescriptionAttribute>()?.Description;
}

/// <summary>
/// The app browser (htagweb's index): every mapped app with its path and one-line description, in mapping order.
/// Served at <see cref="HTagServer.MapAppIndex"/>'s path, and at <c>/</c> in debug mode when nothing else is mapped there.
/// </summary>
sealed class AppIndex(IReadOnlyList<AppListing> apps, string title) : Tag.Div
{
    const string Css =
        "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}" +
        ".htag-apps{list-style:none;padding:0}.htag-apps li{margin:.5rem 0}.htag-apps .app-type{color:#666;margin-left:.5rem}" +
        ".htag-apps .app-example{margin-left:.5rem}";

    protected override IEnumerable<Static> Statics => [Static.Css(Css)];

    protected override void Init()
    {
        PageTitle = title;
        var list = new Tag.Ul { Class = "htag-apps" };
        foreach (var app in apps)
        {
            var item = new Tag.Li { Class = "htag-app" };
            item.Add(app.IsTemplate
                ? new Tag.Code(app.Path) { Class = "app-path" }
                : new Tag.A(new Tag.Code(app.Path)) { ["href"] = app.Path, Class = "app-path" });
            if (app.Example is { } example && example != app.Path)
                item.Add(new Tag.A(example) { ["href"] = example, Class = "app-example" });
            item.Add(new Tag.Span(app.AppType.Name) { Class = "app-type" });
            if (app.Description is { } d) item.Add(new Tag.Span(" — " + d) { Class = "app-description" });
            list.Add(item);
        }
        Add(new Tag.H1(title), list);
    }
}
