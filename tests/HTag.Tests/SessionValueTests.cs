using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace HTag.Tests;

/// <summary>A type only the context below knows: the session refuses it until the context is registered.</summary>
public sealed record Registered(string Name, int Count);

/// <summary>Another app type with its own context, registered by the class fixture of the restore tests.</summary>
public sealed record Pet(string Name, List<string> Tricks);

[JsonSerializable(typeof(Registered))]
sealed partial class RegisteredJson : JsonSerializerContext;

[JsonSerializable(typeof(List<Pet>))]
sealed partial class PetJson : JsonSerializerContext;

public class SessionValueTests
{
    sealed class App : Tag.Div;

    sealed class Widget : Tag.Span;

    static (SessionStore Store, Tag Root) NewApp()
    {
        var store = new SessionStore();
        var rt = new AppRuntime(new App()) { Session = store };
        return (store, rt.Root);
    }

    static string Json(SessionStore store) => Encoding.UTF8.GetString(store.Serialize());

    [Fact]
    public void Json_values_are_taken()
    {
        var (store, root) = NewApp();
        root.Session["s"] = "text";
        root.Session["b"] = true;
        root.Session["i"] = 3;
        root.Session["l"] = 5_000_000_000L;
        root.Session["d"] = 1.5;
        root.Session["m"] = 2.25m;
        root.Session["null"] = null;
        root.Session["node"] = new JsonObject { ["a"] = 1 };
        root.Session["list"] = new List<string> { "x" };
        root.Session["ints"] = new[] { 1, 2 };
        root.Session["map"] = new Dictionary<string, string> { ["k"] = "v" };
        root.Session["é"] = "<ü>";
        root.State["n"] = 7;
        Assert.Equal(
            """{"v":1,"session":{"b":true,"d":1.5,"i":3,"ints":[1,2],"l":5000000000,"list":["x"],"m":2.25,"map":{"k":"v"},"node":{"a":1},"null":null,"s":"text","é":"<ü>"},"state":{"HTag.Tests.SessionValueTests+App":{"n":7}}}""",
            Json(store));
    }

    [Fact]
    public void A_value_that_cannot_be_kept_as_json_is_refused_at_assignment_naming_key_type_and_the_fix()
    {
        var (_, root) = NewApp();
        var e = Assert.Throws<ArgumentException>(() => root.Session["when"] = new Uri("http://example.org"));
        Assert.Contains("Session[\"when\"]", e.Message);
        Assert.Contains("Uri", e.Message);
        Assert.Contains("HTagJson.Register", e.Message);
        Assert.Contains("JsonSerializerContext", e.Message);
        Assert.False(root.Session.ContainsKey("when"));

        var s = Assert.Throws<ArgumentException>(() => root.State["things"] = new List<object> { 1 });
        Assert.Contains("State[\"things\"] of HTag.Tests.SessionValueTests+App", s.Message);
        Assert.Contains("List<Object>", s.Message);
        Assert.Throws<ArgumentException>(() => root.Session.Add("nan", double.NaN));
        Assert.Throws<ArgumentException>(() => root.Session.Add(new KeyValuePair<string, object?>("o", new object())));
        Assert.DoesNotContain(root.Session.Keys, k => k != typeof(App).FullName);
    }

    [Fact]
    public void A_registered_context_makes_its_types_acceptable()
    {
        var (store, root) = NewApp();
        Assert.Throws<ArgumentException>(() => root.Session["r"] = new Registered("a", 1));
        HTagJson.Register(RegisteredJson.Default);
        root.Session["r"] = new Registered("a", 1);
        Assert.Contains("\"r\":{\"Name\":\"a\",\"Count\":1}", Json(store));
    }

    [Fact]
    public void The_document_is_written_from_the_objects_as_they_are_now_so_changes_in_place_count()
    {
        var (store, root) = NewApp();
        var list = new List<string> { "a" };
        root.State["items"] = list;
        var before = store.Serialize();
        list.Add("b");
        var after = store.Serialize();
        Assert.NotEqual(before, after);
        Assert.Contains("\"items\":[\"a\",\"b\"]", Encoding.UTF8.GetString(after));
        // The same session, whatever the insertion order, is the same bytes (so "unchanged" is a byte comparison).
        var (other, r2) = NewApp();
        r2.State["items"] = new List<string> { "a", "b" };
        Assert.Equal(after, other.Serialize());
    }

    [Fact]
    public void Restore_gives_primitives_as_clr_values_objects_as_json_nodes_and_slices_as_slices()
    {
        var (store, root) = NewApp();
        root.Session["s"] = "text";
        root.Session["b"] = false;
        root.Session["i"] = 42;
        root.Session["l"] = long.MaxValue;
        root.Session["d"] = 0.5;
        root.Session["list"] = new List<int> { 1, 2 };
        root.State["n"] = 9;
        var widget = new Widget();
        root.Add(widget);
        widget.State["w"] = "mine";
        var doc = store.Serialize();

        var (fresh, again) = NewApp();
        fresh.Apply(doc);
        Assert.Equal("text", again.Session["s"]);
        Assert.Equal(false, again.Session["b"]);
        Assert.IsType<int>(again.Session["i"]);
        Assert.Equal(long.MaxValue, Assert.IsType<long>(again.Session["l"]));
        Assert.Equal(0.5, Assert.IsType<double>(again.Session["d"]));
        Assert.IsType<JsonArray>(again.Session["list"]);
        Assert.Equal(9, again.State["n"]);
        var w2 = new Widget();
        again.Add(w2);
        Assert.Equal("mine", w2.State["w"]);
        // Written back the same: nothing to store after a load.
        Assert.Equal(doc, fresh.Serialize());
    }

    [Fact]
    public void Get_converts_restored_nodes_through_the_resolvers_and_keeps_the_typed_object()
    {
        HTagJson.Register(PetJson.Default);
        var (store, root) = NewApp();
        root.State["pets"] = new List<Pet> { new("Rex", ["sit"]) };
        root.State["tags"] = new List<string> { "a" };
        var (fresh, again) = NewApp();
        fresh.Apply(store.Serialize());

        Assert.IsType<JsonArray>(again.State["pets"]);
        var pets = again.State.Get<List<Pet>>("pets")!;
        Assert.Equal("Rex", pets[0].Name);
        Assert.Same(pets, again.State["pets"]); // cached: the next Get and the document see this object
        Assert.Same(pets, again.State.Get<List<Pet>>("pets"));
        pets[0].Tricks.Add("roll");
        again.State.Get<List<string>>("tags")!.Add("b");
        var json = Json(fresh);
        Assert.Contains("\"Tricks\":[\"sit\",\"roll\"]", json);
        Assert.Contains("\"tags\":[\"a\",\"b\"]", json);
    }

    [Fact]
    public void Get_converts_numbers_returns_the_fallback_when_absent_and_says_why_it_cannot_convert()
    {
        var (_, root) = NewApp();
        root.Session["i"] = 3;
        root.Session["big"] = long.MaxValue;
        root.Session["node"] = new JsonObject { ["x"] = 1 };
        Assert.Equal(3L, root.Session.Get<long>("i"));
        Assert.Equal(3.0, root.Session.Get<double>("i"));
        Assert.Equal(3, root.Session.Get<int?>("i"));
        Assert.Equal(5, root.Session.Get("absent", 5));
        Assert.Null(root.Session.Get<List<string>>("absent"));
        Assert.Contains("does not fit", Assert.Throws<InvalidOperationException>(() => root.Session.Get<int>("big")).Message);
        var e = Assert.Throws<InvalidOperationException>(() => root.Session.Get<Uri>("node"));
        Assert.Contains("HTagJson.Register", e.Message);
        Assert.Throws<InvalidOperationException>(() => root.Session.Get<List<string>>("node")); // an object is no list
    }

    [Fact]
    public void Reading_a_State_is_no_change_of_the_document()
    {
        var (store, root) = NewApp();
        var before = store.Serialize();
        Assert.Equal(0, root.State.Get<int>("n"));
        Assert.False(root.State.ContainsKey("n"));
        Assert.Equal(before, store.Serialize());
    }

    [Fact]
    public async Task The_session_write_begins_after_the_handler_the_reply_does_not_wait_and_the_next_interaction_does()
    {
        var log = new List<string>();
        var btn = new Tag.Button("b");
        btn.OnClick = _ => { lock (log) log.Add("handler"); btn.Text = "clicked"; };
        var rt = new AppRuntime(new Tag.Div(btn)) { Session = new SessionStore() };
        var reported = new List<Exception>();
        rt.OnHandlerError = (_, _, e) => reported.Add(e);
        await rt.RenderAsync(CancellationToken.None);
        var write = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        rt.Persist = () => { lock (log) log.Add("write begun"); return write.Task; };
        var click = new ClientMessage { Id = btn.Id, Ev = "click" };

        // The reply comes while the write is still on its way.
        var ok = await rt.InteractAsync(click, _ => Task.CompletedTask, CancellationToken.None);
        Assert.Null(ok.Err);
        Assert.Equal(["handler", "write begun"], log);

        // The next interaction's handler runs only once that write ended.
        var next = rt.InteractAsync(click, _ => Task.CompletedTask, CancellationToken.None);
        // (Nothing in the runtime awaits before it: a runtime that did not wait would have run the handler by now.)
        Assert.False(next.IsCompleted);
        lock (log) Assert.Equal(["handler", "write begun"], log);
        write.SetResult();
        Assert.Null((await next).Err);
        Assert.Equal(["handler", "write begun", "handler", "write begun"], log);

        // A write that fails: with no connection to push on, its error goes with the next reply, once.
        rt.Persist = () => Task.FromException(new InvalidOperationException("over the size limit"));
        Assert.Null((await rt.InteractAsync(click, _ => Task.CompletedTask, CancellationToken.None)).Err);
        rt.Persist = () => Task.CompletedTask;
        Assert.Contains("over the size limit", (await rt.InteractAsync(click, _ => Task.CompletedTask, CancellationToken.None)).Err);
        Assert.Null((await rt.InteractAsync(click, _ => Task.CompletedTask, CancellationToken.None)).Err);
        Assert.Equal("over the size limit", Assert.Single(reported).Message);

        // With a connection, it is pushed to the page as soon as the write fails.
        var pushed = new TaskCompletionSource<ServerMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        rt.PushSink = m => { pushed.TrySetResult(m); return Task.FromResult(true); };
        var failing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        rt.Persist = () => failing.Task;
        Assert.Null((await rt.InteractAsync(click, _ => Task.CompletedTask, CancellationToken.None)).Err);
        failing.SetException(new InvalidOperationException("refused again"));
        Assert.Contains("refused again", (await pushed.Task.WaitAsync(TimeSpan.FromSeconds(10))).Err);
        rt.Persist = () => Task.CompletedTask;
        Assert.Null((await rt.InteractAsync(click, _ => Task.CompletedTask, CancellationToken.None)).Err);

        // A write that cannot even begin is this interaction's error.
        rt.Persist = () => throw new InvalidOperationException("cannot serialize");
        Assert.Contains("cannot serialize", (await rt.InteractAsync(click, _ => Task.CompletedTask, CancellationToken.None)).Err);
    }

    [Fact]
    public void A_document_that_is_not_a_session_is_refused_not_applied()
    {
        var (store, root) = NewApp();
        root.Session["keep"] = 1;
        Assert.Throws<FormatException>(() => store.Apply("[1]"u8));
        Assert.Throws<FormatException>(() => store.Apply("{\"v\":2,\"session\":{}}"u8));
        Assert.Throws<FormatException>(() => store.Apply("not json"u8));
        Assert.Equal(1, root.Session["keep"]);
    }
}
