{#- The personal-data guard of staging (docs: pii_guard). Every text column that flows past staging (ids,
    countries, channels, coupon codes, experiments, variants, categories, product names, devices) goes through
    guard_pii in its base model: a value that looks like an email address or a phone number leaves staging only
    as a salted pseudonym, 'pii_' and 20 hex digits of the salted SHA-256 of the exact value. The same value
    gives the same pseudonym in every table, so a customer_id that is an email still joins, and erasure (by the
    original id) finds it. Each base model lists the columns it pseudonymised per row in `pii_redacted`, which
    the data-quality table stg_shop__pii_redactions counts. -#}

{#- An email anywhere in the value. The patterns use bracket classes, not backslashes, so that they read the
    same in DuckDB (RE2), PostgreSQL (POSIX) and Spark (Java) string literals. -#}
{% macro pii_email_pattern() -%}
    [A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}
{%- endmacro %}

{#- A phone number: international (+ and 7 to 15 digits, with spaces, dots, dashes or parentheses between) or
    national and written in groups ((555) 123-4567, 555-123-4567, 030 1234567), not glued to letters or digits
    (so dates, prices, UUIDs and codes like S-310 are not phones). -#}
{% macro pii_phone_pattern() -%}
    (^|[^0-9A-Za-z+])[+][0-9]([ ().-]{0,2}[0-9]){6,14}([^0-9A-Za-z]|$)|(^|[^0-9A-Za-z])[(]?[0-9]{2,5}[)]?[ .-][0-9]{3,4}[ .-]?[0-9]{3,5}([^0-9A-Za-z]|$)
{%- endmacro %}

{#- Labels (not ids) are also pseudonymised when they hold a bare run of 9 or more digits (a phone number
    written without separators). Ids are exempt: numeric ids are common. -#}
{% macro pii_digits_pattern() -%}
    [0-9]{9,}
{%- endmacro %}

{#- True when the (text) value looks like personal data; `kind` is 'id' or 'label'. Cheap character tests come
    first so that the regular expressions run only on the few values that could match. -#}
{% macro looks_like_pii(column, kind='label') -%}
    (
        ({{ column }} like '%@%' and {{ regex_contains(column, pii_email_pattern()) }})
        or (
            ({{ column }} like '%+%' or {{ column }} like '% %' or {{ column }} like '%-%'
                or {{ column }} like '%.%' or {{ column }} like '%(%')
            and {{ regex_contains(column, pii_phone_pattern()) }}
        )
        {%- if kind == 'label' %}
        or {{ regex_contains(column, pii_digits_pattern()) }}
        {%- endif %}
    )
{%- endmacro %}

{#- The pseudonym of a value: the same on every engine and in every table. -#}
{% macro pii_pseudonym(column) -%}
    {{ dbt.concat(["'pii_'", dbt.safe_cast('substr(' ~ sha256_hex(column, pii_salt_value()) ~ ', 1, 20)', type_string())]) }}
{%- endmacro %}

{#- The value, or its pseudonym when it looks like personal data. -#}
{% macro guard_pii(column, kind='label') -%}
    case when {{ looks_like_pii(column, kind) }} then {{ pii_pseudonym(column) }} else {{ column }} end
{%- endmacro %}

{#- The names of the columns of a row that guard_pii pseudonymised, comma-separated (null when none), for the
    data-quality count. `columns` maps each output column name to [expression, kind]. -#}
{% macro pii_redacted_list(columns) -%}
    nullif(concat_ws(','
        {%- for name, spec in columns.items() %},
        case when {{ looks_like_pii(spec[0], spec[1]) }} then '{{ name }}' end
        {%- endfor %}
    ), '')
{%- endmacro %}

{#- Common spellings of "no value" in exported id and label columns: they count as missing (so an order whose
    customer id is 'NULL' is quarantined as missing_customer_id, never an inferred customer). Each spelling of
    var('null_spellings') matches as written, lower-case, upper-case and capitalised: an IN list of constants,
    which costs nothing on a billion events (lower(trim()) per value would). -#}
{% macro null_spelling(column) -%}
    {%- set spellings = [] -%}
    {%- for spelling in var('null_spellings') -%}
        {%- for variant in [spelling, spelling | lower, spelling | upper, spelling | capitalize] -%}
            {%- if variant not in spellings %}{% do spellings.append(variant) %}{% endif -%}
        {%- endfor -%}
    {%- endfor -%}
    case when {{ column }} in (
        {%- for spelling in spellings %}'{{ spelling | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor -%}
    ) then null else {{ column }} end
{%- endmacro %}

{#- A text column of a raw table, typed and with null spellings read as null. -#}
{% macro raw_text(column) -%}
    {{ null_spelling('cast(' ~ column ~ ' as ' ~ type_string() ~ ')') }}
{%- endmacro %}

{#- The select-list items of a base model's guarded columns: `columns` maps each output column name to
    [expression, kind]; each becomes guard_pii(expression, kind) as name, followed by a comma. -#}
{% macro guarded_columns(columns) -%}
    {%- for name, spec in columns.items() %}
        {{ guard_pii(spec[0], spec[1]) }} as {{ name }},
    {%- endfor %}
{%- endmacro %}
