
namespace HTag.Tests;

public class RenderingTests
{
    [Fact]
    public void Renders_elements_attributes_and_text()
    {
        var div = new Tag.Div(new Tag.H1("Title"), "text") { ["class"] = "box", ["data-x"] = "1" };
        var html = div.ToString();
        Assert.Matches("^<div id=\"h[0-9a-f]+\" class=\"box\" data-x=\"1\"><h1 id=\"h[0-9a-f]+\">Title</h1>text</div>$", html);
    }

    [Fact]
    public void Void_elements_have_no_closing_tag_and_boolean_attributes_no_value()
    {
        var input = new Tag.Input { ["type"] = "checkbox", ["checked"] = "" };
        Assert.Matches("^<input id=\"h[0-9a-f]+\" type=\"checkbox\" checked>$", input.ToString());
    }

    [Fact]
    public void Escapes_text_and_attribute_values()
    {
        var span = new Tag.Span("<script>alert('x')</script> & co") { ["title"] = "\"><img src=x onerror=alert(1)>" };
        var html = span.ToString();
        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("<img", html);
        Assert.Contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; co", html);
        Assert.Contains("title=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\"", html);
    }

    [Theory]
    [InlineData("onclick")]
    [InlineData("id")]
    [InlineData("data-htag-on")]
    [InlineData("a b")]
    [InlineData("x\"=y")]
    [InlineData("")]
    public void Refuses_dangerous_or_reserved_attribute_names(string name)
    {
        var div = new Tag.Div();
        Assert.ThrowsAny<ArgumentException>(() => div[name] = "v");
    }

    [Fact]
    public void Ids_are_short_unique_and_stable()
    {
        var a = new Tag.Div();
        var b = new Tag.Div();
        Assert.NotEqual(a.Id, b.Id);
        Assert.True(a.Id.Length <= 8);
        var first = a.ToString();
        a["class"] = "c";
        Assert.Contains($"id=\"{a.Id}\"", a.ToString());
        Assert.Contains($"id=\"{a.Id}\"", first);
    }

    [Fact]
    public void Handlers_render_as_data_attributes_never_inline_js()
    {
        var b = new Tag.Button("go") { OnClick = _ => { } };
        b.On("keyup", _ => { }, "this.value", "event.key");
        var html = b.ToString();
        Assert.Contains("data-htag-on=\"click keyup\"", html);
        Assert.Contains("data-htag-args-keyup=\"[&quot;this.value&quot;,&quot;event.key&quot;]\"", html);
        Assert.DoesNotContain("onclick", html);
    }

    [Fact]
    public void Init_runs_once_when_rendered_or_attached()
    {
        var c = new Counting();
        _ = c.ToString();
        _ = c.ToString();
        Assert.Equal(1, c.Inits);
        var child = new Counting();
        var parent = new Tag.Div();
        parent.EnsureInit();
        parent.Add(child);
        Assert.Equal(1, child.Inits);
    }

    sealed class Counting : Tag.Div
    {
        public int Inits;
        protected override void Init() { Inits++; Add(new Tag.Span("x")); }
    }

    [Fact]
    public void Children_ops_keep_parent_links()
    {
        var parent = new Tag.Ul();
        var li = new Tag.Li("a");
        parent.Add(li, new Tag.Li("b"));
        Assert.Same(parent, li.Parent);
        Assert.Same(parent, li.Root);
        li.Remove();
        Assert.Null(li.Parent);
        Assert.Single(parent.Children);
        parent.Clear();
        Assert.Empty(parent.Children);
        Assert.Throws<InvalidOperationException>(() => li.Add(li));
    }

    [Fact]
    public void Text_replaces_children()
    {
        var p = new Tag.P("a", new Tag.B("b"));
        Assert.Equal("ab", p.Text);
        p.Text = "c";
        Assert.Equal("c", p.Text);
        Assert.Single(p.Children);
    }

    [Fact]
    public void Raw_html_only_through_the_named_type()
    {
        var d = new Tag.Div(new RawHtml("<b>bold</b>"), "<b>not</b>");
        Assert.Contains("<b>bold</b>&lt;b&gt;not&lt;/b&gt;", d.ToString());
    }
}
