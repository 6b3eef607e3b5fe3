using System.Text;

namespace HTag;

/// <summary>The HTML document around an app: head with htag.js (nonce'd), the app as body.</summary>
static class Page
{
    public static string Render(Instance instance, RenderResult render, string nonce)
    {
        var rt = instance.Runtime;
        var appHtml = render.Html;
        var sb = new StringBuilder(appHtml.Length + 1024);
        sb.Append("<!DOCTYPE html>\n<html data-htag-app=\"").Append(HtmlText.Escape(instance.Host.Path))
          .Append("\" data-htag-instance=\"").Append(rt.InstanceId).Append('"');
        if (instance.Host.HttpOnly) sb.Append(" data-htag-http-only=\"\"");
        if (rt.Debug) sb.Append(" data-htag-debug=\"\""); // htag.js shows errors in an overlay
        if (instance.Cipher is not null) sb.Append(" data-htag-key=\"").Append(Convert.ToBase64String(instance.Cipher.Key)).Append('"');
        sb.Append("><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        sb.Append("<title>").Append(HtmlText.Escape(rt.Root.PageTitle ?? instance.Host.AppType.Name)).Append("</title>");
        sb.Append("<script src=\"/_htag/htag.js?v=").Append(Assets.HtagJsVersion)
            .Append("\" nonce=\"").Append(nonce).Append("\" defer></script>");
        sb.Append("<style nonce=\"").Append(nonce).Append("\">body.htag-offline,body.htagoff{opacity:.6}</style>");
        foreach (var st in render.Statics) sb.Append(st.HeadHtml(nonce));
        if (render.Js.Count > 0)
        {
            // Data, not code: htag.js runs these with the nonce once the DOM is there.
            sb.Append("<script type=\"application/json\" id=\"htag-init\">")
              .Append(System.Text.Json.JsonSerializer.Serialize(render.Js.ToArray(), WireJson.Default.StringArray))
              .Append("</script>");
        }
        sb.Append("</head>");
        if (rt.Root.TagName == "body") sb.Append(appHtml);
        else sb.Append("<body>").Append(appHtml).Append("</body>");
        sb.Append("</html>");
        return sb.ToString();
    }
}
