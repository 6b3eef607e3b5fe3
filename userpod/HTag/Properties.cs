using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("HTag.Server")]
[assembly: InternalsVisibleTo("HTag.Tests")]
[assembly: InternalsVisibleTo("HTag.Server.Tests")]
