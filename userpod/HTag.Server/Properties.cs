using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("HTag.Server.Tests")]
