using HTag;
using HTagKube.Demo;
using HTagKube.Demo.Ports;

// Todo keeps its own type in State: the session (kept as JSON outside the process) learns it from its context.
HTagJson.Register(TodoJson.Default);

// The default userpod program: every demo app, listed by the app index at "/" with the description of its class
// ([Description]) or of its Map call.
var server = HTagServer.Create(args)
    .MapAppIndex("/", "HTag demos")
    .Map<Counter>("/counter")
    .Map<Hello>("/hello", example: "/hello?world")
    .Map<Todo>("/todo")
    .Map<Clock>("/clock")
    .Map<Progress>("/progress")
    .Map<Form>("/form")
    .Map<Slow>("/slow")
    .Map<WhoAmI>("/whoami", example: "/whoami?x=1")
    .Map<Startup>("/startup", o => o.InteractionTimeout = TimeSpan.FromSeconds(5))
    .Map<Files>("/files")
    .Map<Expose>("/expose")
    .Map<UploadDemo>("/upload")
    .Map<Cdn>("/cdn", o => o.ContentSecurity.Styles.Add(Cdn.Origin))
    .Map<Counter>("/counter-http", o => o.HttpOnly = true, description: "the counter with interactions over POST (http-only)")
    .Map<Counter>("/counter-parano", o => o.Parano = true, description: "the counter with AES-256-GCM encrypted interactions (parano)")
    .Map<RenderDemo>("/render")
    .Map<FragmentDemo>("/fragment")
    .Map<YieldDemo>("/yield")
    .Map<ErrorsDemo>("/errors")
    .Map<Components>("/components")
    .Map<App1>("/app1", description: "htagweb's examples/app1.py ported line for line (query, a generator handler)",
        example: "/app1?toto=hi");
Files.MapEndpoints(server);
RoutesDemo.Map(server);
ExamplePy.Map(server).Run();
