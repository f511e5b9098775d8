using System;
using System.Text.RegularExpressions;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>Removes secrets from anything the engine says: bearer tokens and the query strings of SAS URLs.</summary>
    public static class Redactor
    {
        // SAS parameters that grant access or describe the grant; any one of them makes a query secret.
        // Also inside URLs quoted as XML ("&amp;sig="), JSON ("\u0026sig=") or percent-encoded ("%26sig%3D").
        private static readonly Regex SasParameter = new Regex(
            @"(?<=[?&;]|\\u0026|%26|%3F)(?<name>sig|se|sp|sv|sr|st|spr|skoid|sktid|skt|ske|sks|skv|sdd|saoid|suoid|scid|sip|ss|srt|rscc|rscd|rsce|rscl|rsct|code|token|access_token|downloadToken)(?<eq>=|%3D)[^&#\s""'<>]*?(?=%26|\\u0026|[&#\s""'<>]|$)",
            RegexOptions.IgnoreCase | RegexOptions.Compiled | RegexOptions.CultureInvariant);
        private static readonly Regex Bearer = new Regex(@"(?i)(bearer\s+)[A-Za-z0-9\-\._~\+/]+=*", RegexOptions.Compiled);
        private static readonly Regex Jwt = new Regex(@"eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*", RegexOptions.Compiled);

        public static string Redact(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? "";
            var s = SasParameter.Replace(text!, m => m.Groups["name"].Value + m.Groups["eq"].Value + "REDACTED");
            s = Bearer.Replace(s, "$1REDACTED");
            return Jwt.Replace(s, "REDACTED-JWT");
        }

        /// <summary>A URL safe to show: scheme, host, path; the query only with secret values removed.</summary>
        public static string Redact(Uri? uri) => uri is null ? "" : Redact(uri.AbsoluteUri);

        /// <summary>For blob URLs the whole query is a grant: show none of it.</summary>
        public static string WithoutQuery(Uri uri) => uri.GetLeftPart(UriPartial.Path) + (string.IsNullOrEmpty(uri.Query) ? "" : "?<redacted>");
    }
}
