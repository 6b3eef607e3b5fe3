using HTagKube.CrdGen;

// Usage: HTagKube.CrdGen <output dir>   (make crds → dotnet run --project operator/HTagKube.CrdGen -- crds/)
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: HTagKube.CrdGen <output-directory>");
    return 2;
}
Directory.CreateDirectory(args[0]);
foreach (var (file, yaml) in CrdGenerator.All())
{
    var path = Path.Combine(args[0], file);
    await File.WriteAllTextAsync(path, yaml);
    Console.WriteLine($"wrote {path}");
}
return 0;
