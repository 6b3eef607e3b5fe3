namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>The test userpod's <c>/state</c> answers (TestUserpod: it passes on the router's status as X-State-Status).</summary>
public static class StateCalls
{
    /// <summary>
    /// The status the router's state endpoint gave the test userpod; a failure names what answered instead (a page of
    /// the router's, or the test userpod's own error), with its status and body.
    /// </summary>
    public static async Task<string> StateStatusAsync(this HttpResponseMessage answer)
    {
        if (answer.Headers.TryGetValues("X-State-Status", out var values)) return values.Single();
        var body = await answer.Content.ReadAsStringAsync();
        throw new Xunit.Sdk.XunitException(
            $"/state was not answered by the state endpoint: HTTP {(int)answer.StatusCode}: {body[..Math.Min(body.Length, 600)]}");
    }
}
