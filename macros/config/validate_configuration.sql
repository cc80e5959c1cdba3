{#- Fails the run before any model is built when a var is out of its domain (on-run-start). -#}
{% macro validate_configuration() %}
    {%- if execute -%}
    {%- set problems = [] -%}
    {%- if var('week_start') | lower not in ['monday', 'sunday'] -%}
        {%- do problems.append("week_start must be 'monday' or 'sunday', got '" ~ var('week_start') ~ "'") -%}
    {%- endif -%}
    {%- set as_of = var('as_of_date') -%}
    {%- if as_of -%}
        {%- if not modules.re.match('^\d{4}-\d{2}-\d{2}$', as_of | string) -%}
            {%- do problems.append("as_of_date must be a date written YYYY-MM-DD, got '" ~ as_of ~ "'") -%}
        {%- else -%}
            {%- set parts = (as_of | string).split('-') -%}
            {%- set y, m, d = parts[0] | int, parts[1] | int, parts[2] | int -%}
            {%- if m < 1 or m > 12 or d < 1 or d > 31 -%}
                {%- do problems.append("as_of_date is not a calendar date: '" ~ as_of ~ "'") -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {%- if not modules.re.match('^[A-Z]{3}$', var('reporting_currency') | string) -%}
        {%- do problems.append("reporting_currency must be a 3-letter ISO code, got '" ~ var('reporting_currency') ~ "'") -%}
    {%- endif -%}
    {%- if not modules.re.match('^[A-Za-z0-9_+/-]+$', var('reporting_timezone') | string) -%}
        {%- do problems.append("reporting_timezone is not an IANA time zone name: '" ~ var('reporting_timezone') ~ "'") -%}
    {%- endif -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error("Invalid configuration:\n  - " ~ problems | join("\n  - ")) }}
    {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}
