using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace HTag.Templates.Tests;

/// <summary>What <c>make packages</c> writes: each package's metadata, its readme and symbols, htag.js inside HTag.dll.</summary>
[Collection(PackedTemplate.Collection)]
public sealed class PackagesTests(PackedTemplate packed)
{
    [Theory]
    [InlineData("HTag")]
    [InlineData("HTag.Server")]
    public void A_library_package_has_its_metadata_readme_and_symbols(string id)
    {
        var nupkg = Path.Combine(packed.Feed, $"{id}.{packed.Version}.nupkg");
        using var zip = ZipFile.OpenRead(nupkg);
        var meta = Metadata(zip, id);
        Assert.Equal(id, Value(meta, "id"));
        Assert.Equal(packed.Version, Value(meta, "version"));
        Assert.Equal("MIT", Value(meta, "license"));
        Assert.Equal("expression", meta.Element(meta.Name.Namespace + "license")!.Attribute("type")!.Value);
        Assert.DoesNotContain("Package Description", Value(meta, "description")); // the SDK's placeholder
        Assert.Contains("HTag", Value(meta, "description"));
        Assert.Equal("README.md", Value(meta, "readme"));
        Assert.Contains("dotnet new htag", Read(zip, "README.md"));
        var repository = meta.Element(meta.Name.Namespace + "repository")!;
        Assert.StartsWith("https://", repository.Attribute("url")!.Value);
        Assert.Matches("^[0-9a-f]{40}$", repository.Attribute("commit")!.Value);
        Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.dll"));
        Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.xml")); // API docs for the author's editor
        Assert.True(File.Exists(Path.ChangeExtension(nupkg, ".snupkg")), "no symbols package beside " + nupkg);
    }

    [Fact]
    public void HTag_Server_depends_on_the_HTag_package_of_its_own_version_and_on_ASP_NET_Core()
    {
        using var zip = ZipFile.OpenRead(Path.Combine(packed.Feed, $"HTag.Server.{packed.Version}.nupkg"));
        var meta = Metadata(zip, "HTag.Server");
        var ns = meta.Name.Namespace;
        var htag = meta.Descendants(ns + "dependency").Single(d => d.Attribute("id")!.Value == "HTag");
        Assert.Equal(packed.Version, htag.Attribute("version")!.Value);
        Assert.Contains(meta.Descendants(ns + "frameworkReference"), f => f.Attribute("name")!.Value == "Microsoft.AspNetCore.App");
    }

    [Fact]
    public void The_browser_runtime_is_inside_HTag_dll_so_an_author_needs_no_npm()
    {
        using var zip = ZipFile.OpenRead(Path.Combine(packed.Feed, $"HTag.{packed.Version}.nupkg"));
        using var dll = new MemoryStream();
        using (var s = zip.GetEntry("lib/net10.0/HTag.dll")!.Open()) s.CopyTo(dll);
        dll.Position = 0;
        using var pe = new PEReader(dll);
        var md = pe.GetMetadataReader();
        var resources = md.ManifestResources.Select(h => md.GetString(md.GetManifestResource(h).Name)).ToList();
        Assert.Contains("htag.js", resources);
        Assert.Contains("idiomorph.js", resources); // the morphing library npm gave the build
        Assert.DoesNotContain(zip.Entries, e => e.FullName.Contains("node_modules", StringComparison.Ordinal));
    }

    [Fact]
    public void The_template_pack_is_a_template_package_of_the_same_version()
    {
        using var zip = ZipFile.OpenRead(Path.Combine(packed.Feed, $"HTag.Templates.{packed.Version}.nupkg"));
        var meta = Metadata(zip, "HTag.Templates");
        Assert.Equal(packed.Version, Value(meta, "version"));
        Assert.Equal("Template", meta.Descendants(meta.Name.Namespace + "packageType").Single().Attribute("name")!.Value);
        Assert.DoesNotContain(zip.Entries, e => e.FullName.StartsWith("lib/", StringComparison.Ordinal)); // content only
        // The version the new project will reference, stamped at pack time.
        Assert.Contains($"\"defaultValue\": \"{packed.Version}\"", Read(zip, "content/htag/.template.config/template.json"));
    }

    static XElement Metadata(ZipArchive zip, string id)
    {
        var nuspec = XDocument.Parse(Read(zip, id + ".nuspec")).Root!;
        return nuspec.Element(nuspec.Name.Namespace + "metadata")!;
    }

    static string Value(XElement meta, string name) => meta.Element(meta.Name.Namespace + name)?.Value ?? "";

    static string Read(ZipArchive zip, string entry)
    {
        using var r = new StreamReader((zip.GetEntry(entry) ?? throw new Xunit.Sdk.XunitException($"no {entry} in the package")).Open());
        return r.ReadToEnd();
    }
}
