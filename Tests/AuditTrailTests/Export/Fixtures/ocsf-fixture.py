import json,os,sys
# Usage: python3 ocsf-fixture.py SCHEMA_DIR OUT.json (SCHEMA_DIR: ocsf-schema at tag 1.3.0)
root=sys.argv[1]
def load(p): return json.load(open(os.path.join(root,p)))
dictionary=load('dictionary.json')['attributes']
def resolve_includes(attrs):
    out={}
    inc=attrs.get('$include',[])
    if isinstance(inc,str): inc=[inc]
    for i in inc:
        sub=load(i)
        out.update({k:dict(v) for k,v in resolve_includes(sub.get('attributes',{})).items()})
    for k,v in attrs.items():
        if k=='$include': continue
        out[k]=dict(out.get(k,{}),**v)
    return out
def find(kind,name):
    for dp,_,fs in os.walk(os.path.join(root,kind)):
        if name+'.json' in fs: return os.path.relpath(os.path.join(dp,name+'.json'),root)
def cls(name,kind='events'):
    p=find(kind,name); d=load(p)
    attrs={}; cons={}
    if d.get('extends'):
        attrs,cons=cls(d['extends'],kind)
        attrs={k:dict(v) for k,v in attrs.items()}
    for k,v in resolve_includes(d.get('attributes',{})).items(): attrs[k]=dict(attrs.get(k,{}),**v)
    if d.get('constraints'): cons=d['constraints']
    return attrs,cons
def typ(name,spec):
    t=spec.get('type') or dictionary.get(name,{}).get('type')
    arr=spec.get('is_array', dictionary.get(name,{}).get('is_array',False))
    return t,arr
profiles_optional={'cloud','osint','host','datetime','container','security_control','load_balancer','network_proxy','trace','incident','data_classification'}
out={'version':'1.3.0','classes':{},'objects':{}}
needed=set()
for uid,name in [(0,'base_event'),(3001,'account_change'),(3002,'authentication'),(3003,'authorize_session'),(6003,'api')]:
    a,_=cls(name)
    entry={'required':sorted(k for k,v in a.items() if v.get('requirement')=='required' and k not in ('cloud','osint')),'attributes':{}}
    for k,v in a.items():
        t,arr=typ(k,v); entry['attributes'][k]={'type':t,'array':bool(arr)}
        if t and not t.endswith('_t'): needed.add(t)
    out['classes'][str(uid)]=entry
done=set()
while needed-done:
    o=(needed-done).pop(); done.add(o)
    p=find('objects',o)
    if not p: continue
    a,cons=cls(o,'objects')
    e={'required':sorted(k for k,v in a.items() if v.get('requirement')=='required'),'at_least_one':cons.get('at_least_one',[]),'attributes':{}}
    for k,v in a.items():
        t,arr=typ(k,v); e['attributes'][k]={'type':t,'array':bool(arr)}
        if t and not t.endswith('_t'): needed.add(t)
    out['objects'][o]=e
# keep only objects reachable from what the tests use
keep={'metadata','product','actor','user','network_endpoint','location','http_request','url','api','request','resource_details','session'}
out['objects']={k:v for k,v in out['objects'].items() if k in keep}
for k in keep: assert k in out['objects'],k
out['source']="Derived by a script from the OCSF schema 1.3.0 (https://github.com/ocsf/ocsf-schema, tag 1.3.0, Apache-2.0): for the classes and objects AuditTrail's ocsf export writes, the required attributes, the at-least-one constraints and each attribute's type. Profiles (cloud, osint, host) are optional and left out."
json.dump(out,open(sys.argv[2],'w'),indent=1,sort_keys=True)
