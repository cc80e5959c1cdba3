{#- The project vars an insight reads, each with this project's default (dbt_project.yml). An insight renders in the
    caller's model: when this project is installed as a dbt package, the caller's project does not see the package's
    vars, so every read names its default here (set the vars globally in the caller's dbt_project.yml to change
    them; a var scoped to the package alone is not seen by the caller's models). -#}
{% macro insight_setting(name) -%}
    {%- set defaults = {
        'reporting_timezone': 'UTC',
        'week_start': 'monday',
        'system_event_types': ['email_sent', 'email_opened', 'email_clicked', 'push_sent', 'sms_sent'],
        'event_type_pattern': '^[a-z][a-z0-9_]{0,63}$',
    } -%}
    {%- if name not in defaults -%}
    {{ exceptions.raise_compiler_error("insight_setting: unknown setting '" ~ name ~ "'") }}
    {%- endif -%}
    {{ return(var(name, defaults[name])) }}
{%- endmacro %}
