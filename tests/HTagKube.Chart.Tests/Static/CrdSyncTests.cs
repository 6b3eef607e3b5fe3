using HTagKube.Chart.Tests.Infrastructure;

namespace HTagKube.Chart.Tests.Static;

/// <summary>Helm installs charts/crds/; crds/ is what `make crds` generates. They must be the same files.</summary>
public sealed class CrdSyncTests
{
    [Fact]
    public void Chart_crds_are_identical_to_the_generated_crds()
    {
        var generated = Directory.GetFiles(Repo.Crds, "*.yaml").Select(Path.GetFileName).Order().ToArray();
        var chart = Directory.GetFiles(Path.Combine(Repo.Chart, "crds"), "*.yaml").Select(Path.GetFileName).Order().ToArray();
        Assert.NotEmpty(generated);
        Assert.Equal(generated, chart);
        foreach (var f in generated)
        {
            var a = File.ReadAllBytes(Path.Combine(Repo.Crds, f!));
            var b = File.ReadAllBytes(Path.Combine(Repo.Chart, "crds", f!));
            Assert.True(a.AsSpan().SequenceEqual(b), $"charts/crds/{f} differs from crds/{f}: run `make chart-crds`");
        }
    }

    [Fact]
    public void The_crd_prints_the_session_columns()
    {
        var crd = Rendered.Parse(File.ReadAllText(Path.Combine(Repo.Chart, "crds", "htagsessions.htagkube.io.yaml"))).Single();
        var version = crd.At("spec.versions")[0];
        var columns = version["additionalPrinterColumns"].List.Select(c => c["name"].S ?? "").ToArray();
        Assert.Equal(["User", "Person", "Phase", "Pod", "IP", "Image", "Idle", "Age"], columns);
        // The person's display name (issue 17), never the subject.
        Assert.Equal(".status.displayName", version["additionalPrinterColumns"].List.Single(c => c["name"].S == "Person")["jsonPath"].S);
        Assert.True(version.At("subresources.status").Exists);
    }
}
