using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace HTag;

/// <summary>
/// A mapped path with parameters (<c>/items/{id:int}</c>, <c>/files/{*path}</c>), parsed and matched by ASP.NET Core's
/// own route templates: <see cref="TemplateMatcher"/> for the values, the framework's inline constraints (<c>int</c>,
/// <c>guid</c>, <c>min(1)</c>, <c>regex(…)</c>…) for the checks.
/// </summary>
sealed class RouteTemplatePath
{
    static readonly IInlineConstraintResolver s_constraints =
        new DefaultInlineConstraintResolver(Microsoft.Extensions.Options.Options.Create(new RouteOptions()), new NoServices());

    readonly TemplateMatcher _matcher;
    readonly IDictionary<string, IRouteConstraint> _constraints;

    RouteTemplatePath(string template, RouteTemplate parsed)
    {
        Template = template;
        var defaults = new RouteValueDictionary();
        var builder = new RouteConstraintBuilder(s_constraints, template);
        foreach (var p in parsed.Parameters)
        {
            if (p.DefaultValue is not null) defaults[p.Name!] = p.DefaultValue;
            foreach (var c in p.InlineConstraints) builder.AddResolvedConstraint(p.Name!, c.Constraint);
            if (p.IsOptional) builder.SetOptional(p.Name!);
        }
        _constraints = builder.Build();
        _matcher = new TemplateMatcher(parsed, defaults);
        Precedence = RoutePrecedence.ComputeInbound(parsed);
    }

    /// <summary>The template as mapped, e.g. <c>/items/{id:int}</c>.</summary>
    public string Template { get; }

    /// <summary>ASP.NET Core's inbound precedence: lower is more specific (literal, then constrained, then plain
    /// parameter, then catch-all), so <c>/items/new</c> wins over <c>/items/{id}</c> and both over <c>/{*path}</c>.</summary>
    public decimal Precedence { get; }

    /// <summary>The template of <paramref name="path"/>, or null when it is an exact path (no parameters). A malformed
    /// template or an unknown constraint throws (at Map time).</summary>
    public static RouteTemplatePath? TryParse(string path)
    {
        var parsed = TemplateParser.Parse(path);
        return parsed.Parameters.Count == 0 ? null : new RouteTemplatePath(path, parsed);
    }

    /// <summary>The route values when <paramref name="path"/> matches the template and its constraints, else null.</summary>
    public RouteValueDictionary? Match(HttpContext ctx, string path)
    {
        var values = new RouteValueDictionary();
        if (!_matcher.TryMatch(path, values)) return null;
        foreach (var (name, constraint) in _constraints)
            if (!constraint.Match(ctx, null, name, values, RouteDirection.IncomingRequest)) return null;
        return values;
    }

    /// <summary>The route values as strings (what Init binding and <see cref="Request.RouteValues"/> take).</summary>
    public static Dictionary<string, string> Strings(RouteValueDictionary? values)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (values is null) return d;
        foreach (var (k, v) in values)
            if (Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) is { } s) d[k] = s;
        return d;
    }

    /// <summary>Constraints need no services (the built-in ones take only their inline arguments).</summary>
    sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}

/// <summary>
/// The mapped paths with parameters, apps' and endpoints', tried most specific first (ASP.NET Core's precedence; on a
/// tie apps before endpoints, then in the order mapped). Exact paths never come here: they are looked up directly.
/// </summary>
sealed class RouteTable
{
    sealed record Route(RouteTemplatePath Path, int Order, AppHost? App, string? Method, RequestDelegate? Endpoint);

    readonly List<Route> _routes = [];

    public bool IsEmpty => _routes.Count == 0;

    public void AddApp(RouteTemplatePath path, AppHost app) => Add(new Route(path, _routes.Count, app, null, null));

    public void AddEndpoint(RouteTemplatePath path, string method, RequestDelegate endpoint) =>
        Add(new Route(path, _routes.Count, null, method, endpoint));

    void Add(Route r)
    {
        if (_routes.Any(x => x.Path.Template == r.Path.Template && x.Method == r.Method))
            throw new ArgumentException($"{r.Path.Template} is mapped already.");
        _routes.Add(r);
        _routes.Sort((a, b) =>
        {
            var c = a.Path.Precedence.CompareTo(b.Path.Precedence);
            if (c != 0) return c;
            c = (a.App is null).CompareTo(b.App is null);
            return c != 0 ? c : a.Order.CompareTo(b.Order);
        });
    }

    /// <summary>The first route matching this request (apps answer GET; an endpoint its method, HEAD as GET).</summary>
    public (AppHost? App, RequestDelegate? Endpoint, RouteValueDictionary Values)? Match(HttpContext ctx, string path)
    {
        var method = HttpMethods.IsHead(ctx.Request.Method) ? "GET" : ctx.Request.Method.ToUpperInvariant();
        foreach (var r in _routes)
        {
            if (r.App is not null ? method != "GET" || !HttpMethods.IsGet(ctx.Request.Method) : r.Method != method) continue;
            if (r.Path.Match(ctx, path) is { } values) return (r.App, r.Endpoint, values);
        }
        return null;
    }
}
