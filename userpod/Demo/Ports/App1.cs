using HTag;

namespace HTagKube.Demo.Ports;

// htagweb's examples/app1.py, ported line for line (github.com/manatlan/htagweb, examples/app1.py).

/// <summary>class App(Tag.body).</summary>
public sealed class App1 : Tag.Body
{
    protected override IEnumerable<Static> Statics => [Static.Css("body {background:#EEE;}")];

    void Init(string toto = "")
    {
        Add(new Tag.Div(Environment.ProcessId));
        Add("query_params 'toto'=" + toto);
        Add(new Tag.Button("+h") { OnClick = _ => @do() });
        Add(new Tag.Button("yield 123").On("click", doy));
    }

    void @do() => Add("h");

    async IAsyncEnumerable<object?> doy(Event e)
    {
        foreach (var i in "123")
        {
            Add(i.ToString());
            await Task.Delay(200);
            yield return null;
        }
    }
}
