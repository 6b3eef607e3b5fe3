using HTag;

namespace HTagKube.Demo;

/// <summary>Shared look of the demos.</summary>
static class Styles
{
    public const string Base =
        "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}" +
        "button{padding:.3rem .8rem;margin:.2rem}input,select{padding:.3rem;margin:.2rem}" +
        ".error{color:#b00}.done{text-decoration:line-through;color:#888}nav a{margin-right:1rem}";

    /// <summary>A "back to the index" link for every demo.</summary>
    public static Tag Back() => new Tag.Nav(new Tag.A("← all demos") { ["href"] = "/" });
}
