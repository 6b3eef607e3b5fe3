namespace HTagKube.Testing;

/// <summary>
/// How long the routers these tests start wait for a new user's userpod (<c>--start-wait</c>) unless a test sets its
/// own. A userpod start took 11 s with CI's load at 30-60, past the 10 s default after which the router answers the
/// designed 503 "starting" page: a test about something else then fails on its first request (CI runs r3, r5 and the
/// stop-28 run), or a Chromium test sees that page's 503 as a console error (CI run s5, load 66). The tests of that page
/// (ProtectionTests) pass a short wait of their own.
/// </summary>
public static class TestStartWait
{
    /// <summary>The router flag.</summary>
    public const string Flag = "--start-wait";
    /// <summary>60 s.</summary>
    public const string Value = "00:01:00";

    /// <summary><paramref name="args"/> with the tests' start wait added when they set none.</summary>
    public static string[] Default(string[] args) => args.Contains(Flag) ? args : [Flag, Value, .. args];
}
