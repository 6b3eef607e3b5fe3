using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.WarmPool;

/// <summary>A router stopped while userpods are still starting leaves none of them behind.</summary>
public sealed class ShutdownDuringStartsTests
{
    [Fact]
    public async Task Sigterm_while_warm_userpods_and_a_user_are_starting_stops_every_process_it_started()
    {
        // A marker on the userpod command line finds exactly this router's processes, even once orphaned.
        var marker = "shutdown-" + Guid.NewGuid().ToString("N");
        var router = await RouterProcess.StartAsync("--warm-pool", "8", "--max-starting", "2",
            "--userpod-command", $"{TestPaths.TestUserpodCommand} --marker {marker}");
        await using (router)
        {
            // The pool begins filling at start; a user arrives too; stop while starts are under way.
            using var user = router.NewClient();
            var page = user.GetAsync("whoami");
            await Eventually.True(() => Processes.WithCommandLine(marker).Count > 0, TimeSpan.FromSeconds(30), "a userpod starting");
            await router.StopAsync();
            try { await page; } catch (HttpRequestException) { } catch (TaskCanceledException) { } // its answer does not matter
        }
        await Eventually.True(() => Processes.WithCommandLine(marker).Count == 0, TimeSpan.FromSeconds(15),
            "no userpod of the stopped router left running");
    }
}
