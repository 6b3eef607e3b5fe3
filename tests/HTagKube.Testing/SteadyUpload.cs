using Microsoft.Playwright;

namespace HTagKube.Testing;

/// <summary>
/// A file picked in an htag upload input, as a person would pick it again when the host's network churned under the
/// upload (<see cref="SteadyNavigation"/>: the cluster's and the containers' veths all through a CI run). The upload's
/// POST failing with Chromium's net::ERR_NETWORK_CHANGED shows "the connection failed" in the page's upload box (stop 34:
/// a 5 MB upload through nginx never arrived); then the box is dismissed and the file picked again. Any other outcome,
/// an answer of any status or another failure, is the caller's to check.
/// </summary>
public static class SteadyUpload
{
    /// <summary>The path of htag's upload POST (htag.js).</summary>
    const string UploadPath = "/_htag/upload";

    /// <summary>
    /// Picks <paramref name="file"/> in <paramref name="input"/> and waits for its upload's POST to end. Returns how many
    /// times it was picked: an upload cut off from its answer may still have reached the app (nginx logs a 499), so the
    /// app may have received it up to that many times.
    /// </summary>
    public static async Task<int> PickAsync(IPage page, ILocator input, string file, TimeSpan timeout)
    {
        for (var attempt = 1; ; attempt++)
        {
            var ended = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            void Finished(object? _, IRequest r) { if (IsUpload(r)) ended.TrySetResult(null); }
            void Failed(object? _, IRequest r) { if (IsUpload(r)) ended.TrySetResult(r.Failure ?? "(no failure text)"); }
            page.RequestFinished += Finished;
            page.RequestFailed += Failed;
            string? failure;
            try
            {
                await input.SetInputFilesAsync(file, new() { Timeout = (float)timeout.TotalMilliseconds });
                try { failure = await ended.Task.WaitAsync(timeout); }
                catch (TimeoutException)
                {
                    throw new TimeoutException($"the upload of {Path.GetFileName(file)} (attempt {attempt}) neither ended nor failed "
                        + $"within {timeout.TotalSeconds} s");
                }
            }
            finally
            {
                page.RequestFinished -= Finished;
                page.RequestFailed -= Failed;
            }
            if (!SteadyNavigation.IsNetworkChurn(failure)) return attempt;
            if (attempt >= SteadyNavigation.Attempts)
                throw new PlaywrightException($"the upload of {Path.GetFileName(file)} failed {attempt} times: {failure}");
            // The page says the connection failed: a person dismisses that and picks the file again.
            await page.Locator("#htag-upload-error .htag-error-close").ClickAsync();
            await Task.Delay(SteadyNavigation.Pause(attempt));
        }
    }

    static bool IsUpload(IRequest r) =>
        r.Method == "POST" && Uri.TryCreate(r.Url, UriKind.Absolute, out var u) && u.AbsolutePath == UploadPath;
}
