using HTag;
using HTagKube.Demo;
using HTagKube.Demo.Ports;

// The default userpod program: every demo app, linked from the index at "/".
var server = HTagServer.Create(args)
    .Map<Home>("/")
    .Map<Counter>("/counter")
    .Map<Hello>("/hello")
    .Map<Todo>("/todo")
    .Map<Clock>("/clock")
    .Map<Progress>("/progress")
    .Map<Form>("/form")
    .Map<Slow>("/slow")
    .Map<WhoAmI>("/whoami")
    .Map<Startup>("/startup", o => o.InteractionTimeout = TimeSpan.FromSeconds(5))
    .Map<Files>("/files")
    .Map<Expose>("/expose")
    .Map<UploadDemo>("/upload")
    .Map<Cdn>("/cdn", o => o.ContentSecurity.Styles.Add(Cdn.Origin))
    .Map<Counter>("/counter-http", o => o.HttpOnly = true)
    .Map<Counter>("/counter-parano", o => o.Parano = true)
    .Map<RenderDemo>("/render")
    .Map<FragmentDemo>("/fragment")
    .Map<YieldDemo>("/yield")
    .Map<ErrorsDemo>("/errors")
    .Map<Components>("/components")
    .Map<App1>("/app1");
Files.MapEndpoints(server);
RoutesDemo.Map(server);
ExamplePy.Map(server).Run();
