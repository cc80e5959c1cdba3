{#- The daily job checks what it rebuilt (issue 21): with the var test_scope_since set to a date, the generic data
    tests of a model that declares `meta: {test_scope_column: <its event day>}` (the large tables incremental by
    event day) read only the rows on or after that day. Unset (CI, the weekly job, a plain `dbt build`), every test
    checks the whole table. dbt looks for this macro in this project first (dispatch search order in
    dbt_project.yml); a test's own `where` config still applies, and both are combined. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set filters = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}{%- do filters.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- set scope = test_scope_filter() -%}
    {%- if scope -%}{%- do filters.append(scope) -%}{%- endif -%}
    {%- if filters -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ filters | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{#- the filter of the current test's model under var('test_scope_since'), or '' -#}
{% macro test_scope_filter() -%}
    {%- set since = var('test_scope_since', none) -%}
    {%- if since is none or not execute -%}{%- do return('') -%}{%- endif -%}
    {%- set attached = model.get('attached_node') -%}
    {%- if not attached or attached not in graph.nodes -%}{%- do return('') -%}{%- endif -%}
    {%- set column = graph.nodes[attached].config.meta.get('test_scope_column') -%}
    {%- if not column -%}{%- do return('') -%}{%- endif -%}
    {%- do return(column ~ " >= cast('" ~ since ~ "' as date)") -%}
{%- endmacro %}
