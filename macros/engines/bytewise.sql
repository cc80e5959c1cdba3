{#- String tie-breaks compare byte-wise on every engine (design.md, "Engines"). -#}
{% macro bytewise(column) %}
    {{ return(adapter.dispatch('bytewise', 'retention_warehouse')(column)) }}
{% endmacro %}

{% macro default__bytewise(column) -%}{{ column }}{%- endmacro %}

{% macro postgres__bytewise(column) -%}{{ column }} collate "C"{%- endmacro %}
