using HTag;
using HTagKube.Demo;

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
    .Map<Counter>("/counter-parano", o => o.Parano = true);
Files.MapEndpoints(server).Run();
