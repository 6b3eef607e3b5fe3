using HTagKube.Router.Hosting;

// The router: uid cookie → route → userpod (docs/design.md §3). Flags: see Hosting/RouterConfig.cs.
await RouterApp.Build(args).RunAsync();
