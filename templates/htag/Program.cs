using HTag;
using MyApps;

// Every app has a path. Standalone (dotnet run) this process serves them all on http://127.0.0.1:5000; behind the
// HTagKube router each web user gets a process of their own, which keeps that user's instances and state.
// The [Description] of each app shows in the app index: .MapAppIndex("/apps") serves it (in dev mode, HTAG_DEBUG=1, it
// is at "/" when nothing else is).
HTagServer.Create(args)
    .Map<Counter>("/")
    .Map<Hello>("/hello")
    .Run();
