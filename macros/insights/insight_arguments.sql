{#- Compile-time checks of the insight macros' arguments. Each failure is one line naming the macro, the argument,
    what it accepts and what it got; each check returns the value normalised (lower-cased choice, date object). -#}

{% macro insight_fail(macro_name, message) -%}
    {{ exceptions.raise_compiler_error(macro_name ~ ": " ~ message) }}
{%- endmacro %}

{% macro insight_check_choice(macro_name, argument, value, choices) -%}
    {%- if value is not string or (value | lower) not in choices -%}
    {{ retention_warehouse.insight_fail(macro_name, argument ~ " must be one of '" ~ choices | join("', '")
        ~ "', got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value | lower) }}
{%- endmacro %}

{% macro insight_check_positive_integer(macro_name, argument, value) -%}
    {%- if value is not integer or value < 1 -%}
    {{ retention_warehouse.insight_fail(macro_name, argument ~ " must be a whole number of 1 or more, got '"
        ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{% macro insight_check_boolean(macro_name, argument, value) -%}
    {%- if value is not boolean -%}
    {{ retention_warehouse.insight_fail(macro_name, argument ~ " must be true or false, got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- A calendar date written 'YYYY-MM-DD'; returns it as a Python date. -#}
{% macro insight_check_date(macro_name, argument, value) -%}
    {%- set message = argument ~ " must be a date written 'YYYY-MM-DD', got '" ~ value ~ "'" -%}
    {%- if value is not string or not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
    {{ retention_warehouse.insight_fail(macro_name, message) }}
    {%- endif -%}
    {%- set year, month, day = value.split('-') | map('int') | list -%}
    {%- if year < 1 or year > 9998 or month < 1 or month > 12 -%}
    {{ retention_warehouse.insight_fail(macro_name, message) }}
    {%- endif -%}
    {%- set next_month = modules.datetime.date(year + (month // 12), month % 12 + 1, 1) -%}
    {%- set days_in_month = (next_month - modules.datetime.timedelta(days=1)).day -%}
    {%- if day < 1 or day > days_in_month -%}
    {{ retention_warehouse.insight_fail(macro_name, message) }}
    {%- endif -%}
    {{ return(modules.datetime.date(year, month, day)) }}
{%- endmacro %}

{#- An IANA time zone name (pytz's list), or none for the project's var('reporting_timezone'). -#}
{% macro insight_check_timezone(macro_name, argument, value) -%}
    {%- if value is not none and (value is not string or value not in modules.pytz.all_timezones) -%}
    {{ retention_warehouse.insight_fail(macro_name, argument ~ " must be an IANA time zone name such as "
        ~ "'Europe/Berlin', got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- An event: none (any activity: the project's active days), 'order' (a valid order) or an event type. -#}
{% macro insight_check_event(macro_name, argument, value) -%}
    {%- if value is none -%}
    {{ return(none) }}
    {%- endif -%}
    {#- a var event_type_pattern that is not a text is reported by validate_configuration, not here -#}
    {%- set pattern = retention_warehouse.insight_setting('event_type_pattern') -%}
    {%- if value is not string
        or pattern is string and not modules.re.match(pattern, value | lower) -%}
    {{ retention_warehouse.insight_fail(macro_name, argument ~ " must be none (any activity), 'order' or an event "
        ~ "type such as 'product_view', got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value | lower) }}
{%- endmacro %}

{#- Event property equalities {property: value} (a list value means any of them). Properties live in the events'
    JSON, so a filter needs an event type: any activity and valid orders carry no properties. -#}
{% macro insight_check_filters(macro_name, argument, value, event) -%}
    {%- if value is none or (value is mapping and value | length == 0) -%}
    {{ return({}) }}
    {%- endif -%}
    {%- if value is not mapping -%}
    {{ retention_warehouse.insight_fail(macro_name, argument ~ " must be a dict {property: value}, got '"
        ~ value ~ "'") }}
    {%- endif -%}
    {%- if event is none or event == 'order' -%}
    {{ retention_warehouse.insight_fail(macro_name, argument ~ " filter event properties, so they need an event "
        ~ "type (any activity and orders carry no properties), got event "
        ~ ("none (any activity)" if event is none else "'order'")) }}
    {%- endif -%}
    {%- for key, filter_value in value.items() -%}
    {%- if key is not string or not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', key) -%}
    {{ retention_warehouse.insight_fail(macro_name, argument ~ " keys must be plain property names (letters, "
        ~ "digits, _), got '" ~ key ~ "'") }}
    {%- endif -%}
    {%- set values = filter_value if (filter_value is sequence and filter_value is not string) else [filter_value] -%}
    {%- if values | length == 0 -%}
    {{ retention_warehouse.insight_fail(macro_name, argument ~ "['" ~ key ~ "'] is an empty list") }}
    {%- endif -%}
    {%- for one in values -%}
    {%- if one is not string and one is not number -%}
    {{ retention_warehouse.insight_fail(macro_name, argument ~ "['" ~ key ~ "'] must be a text, number or "
        ~ "boolean value (or a list of them), got '" ~ one ~ "'") }}
    {%- endif -%}
    {%- endfor -%}
    {%- endfor -%}
    {{ return(value) }}
{%- endmacro %}
