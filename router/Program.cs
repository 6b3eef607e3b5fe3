using HTagKube.Router.Hosting;

// The router: uid cookie → route → userpod (docs/design.md §3). Flags: see Hosting/RouterConfig.cs.
var app = await RouterApp.BuildAsync(args);
await app.RunAsync();
