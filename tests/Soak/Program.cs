using HTagKube.Soak;

// `make soak` = dotnet run -c Release --project tests/Soak -- [--minutes N] [--users N] [--idle-seconds N] [--redis] [--out FILE]
// Loopback only; every loop bounded. Writes docs/soak.md; exits 1 on a leak or an unexpected error.
var options = SoakOptions.Parse(args);
if (options is null) return 2;
return await new SoakRun(options).RunAsync();
